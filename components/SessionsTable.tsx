import { IntentButton } from "./IntentButton.tsx";

/** A session as the account page lists it. */
export interface SessionRow {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  ip: string;
  userAgent: string;
  mfa: boolean;
  current: boolean;
}

const when = (iso: string) => `${iso.replace("T", " ").slice(0, 16)} UTC`;

/** A short device name from a user agent ("Chrome on Linux"). */
export function deviceOf(userAgent: string): string {
  const browser = /Edg\//.test(userAgent)
    ? "Edge"
    : /Firefox\//.test(userAgent)
    ? "Firefox"
    : /Chrom(e|ium)\//.test(userAgent)
    ? "Chrome"
    : /Safari\//.test(userAgent)
    ? "Safari"
    : "";
  const os = /Android/.test(userAgent)
    ? "Android"
    : /iPhone|iPad/.test(userAgent)
    ? "iOS"
    : /Windows/.test(userAgent)
    ? "Windows"
    : /Mac OS X/.test(userAgent)
    ? "macOS"
    : /Linux/.test(userAgent)
    ? "Linux"
    : "";
  if (browser && os) return `${browser} on ${os}`;
  return browser || os || userAgent.slice(0, 40) || "Unknown device";
}

/** The operator's sessions: this one marked, the others with an "End" button. */
export function SessionsTable(props: { sessions: SessionRow[] }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Sessions table">
      <table>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">Address</th>
            <th scope="col">Signed in</th>
            <th scope="col">Last active</th>
            <th scope="col">
              <span class="visually-hidden">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.sessions.map((s) => (
            <tr key={s.id}>
              <td title={s.userAgent}>
                {deviceOf(s.userAgent)}
                {s.mfa && <span class="role-tag">2-step</span>}
              </td>
              <td>{s.ip}</td>
              <td>
                <time dateTime={s.createdAt} title={s.createdAt}>{when(s.createdAt)}</time>
              </td>
              <td>
                <time dateTime={s.lastSeenAt} title={s.lastSeenAt}>{when(s.lastSeenAt)}</time>
              </td>
              <td>
                {s.current ? <strong class="current-session">This session</strong> : (
                  <IntentButton
                    intent="end_session"
                    fields={{ sessionId: s.id }}
                    label="End"
                    ariaLabel={`End session: ${deviceOf(s.userAgent)}, ${s.ip}`}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
