import type { PortRow, ThreatRow, Vitals } from "@/lib/ui/host_page.ts";
import { TableFrame } from "@/components/TableFrame.tsx";

/** Public listeners of the latest snapshot, unexpected ones first. */
export function PortsTable(props: { ports: PortRow[] }) {
  if (props.ports.length === 0) return <p>No public listener in the latest snapshot.</p>;
  return (
    <TableFrame
      label="Public listeners table"
      class="ports"
      caption="Public ports"
      columns={["Port", "Address", "Process", "Status"]}
    >
      {props.ports.map((p) => (
        <tr
          key={`${p.proto}:${p.host}:${p.port}`}
          data-port={`${p.proto}:${p.port}`}
          data-expected={String(p.expected)}
        >
          <th scope="row">
            <code>{p.proto}:{p.port}</code>
          </th>
          <td>
            <code>{p.host || "*"}</code>
          </td>
          <td>
            {p.proc || <span class="muted">unknown</span>}
            {p.pid ? <span class="muted">{` (pid ${p.pid})`}</span> : null}
          </td>
          <td>
            {p.expected
              ? <span class="pill pill-ok">expected</span>
              : <span class="pill pill-bad">unexpected</span>}
          </td>
        </tr>
      ))}
    </TableFrame>
  );
}

function EvidenceFacts(props: { t: ThreatRow }) {
  const { t } = props;
  return (
    <dl class="facts evidence">
      {t.pid !== null && (
        <>
          <dt>PID</dt>
          <dd>{t.pid}</dd>
        </>
      )}
      {t.user && (
        <>
          <dt>User</dt>
          <dd>{t.user}</dd>
        </>
      )}
      {t.exe && (
        <>
          <dt>Executable</dt>
          <dd>
            <code>{t.exe}</code>
          </dd>
        </>
      )}
      {t.cmdline && (
        <>
          <dt>Command line</dt>
          <dd>
            <code class="wrap">{t.cmdline}</code>
          </dd>
        </>
      )}
      {t.reasons.length > 0 && (
        <>
          <dt>Reasons</dt>
          <dd>
            <ul class="plain">{t.reasons.map((r) => <li key={r}>{r}</li>)}</ul>
          </dd>
        </>
      )}
      {t.destinations.length > 0 && (
        <>
          <dt>Destinations</dt>
          <dd>
            <ul class="plain">
              {t.destinations.map((d) => (
                <li key={d}>
                  <code>{d}</code>
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
      {t.mitre.length > 0 && (
        <>
          <dt>ATT&amp;CK</dt>
          <dd>{t.mitre.join(", ")}</dd>
        </>
      )}
    </dl>
  );
}

/** Critical compromise indicators with the evidence an operator acts on. */
export function ThreatList(props: { threats: ThreatRow[] }) {
  if (props.threats.length === 0) {
    return <p>No compromise indicator in the latest snapshot.</p>;
  }
  return (
    <ul class="threats">
      {props.threats.map((t, i) => (
        <li key={`${t.code}-${i}`} class="threat" data-code={t.code}>
          <h3>
            <span class="sev sev-critical">critical</span> {t.title}
          </h3>
          <EvidenceFacts t={t} />
        </li>
      ))}
    </ul>
  );
}

/** A 0–100 % bar drawn with SVG presentation attributes (CSP allows no inline styles). */
function Bar(props: { label: string; percent: number; text: string }) {
  const pct = Math.max(0, Math.min(100, props.percent));
  const level = pct >= 90 ? "bar-high" : pct >= 80 ? "bar-medium" : "bar-ok";
  return (
    <div class="vital">
      <p class="vital-label">
        <span>{props.label}</span> <strong>{props.text}</strong>
      </p>
      <svg
        class="bar"
        width="100%"
        height="10"
        viewBox="0 0 100 10"
        preserveAspectRatio="none"
        role="img"
        aria-label={`${props.label}: ${props.text}`}
      >
        <rect class="bar-track" x="0" y="0" width="100" height="10" rx="2" />
        <rect class={`bar-fill ${level}`} x="0" y="0" width={pct} height="10" rx="2" />
      </svg>
    </div>
  );
}

const fmt = (n: number) => `${Math.round(n * 10) / 10}`;

/** CPU and memory use of the latest snapshot. */
export function VitalsCard(props: { vitals: Vitals | null }) {
  const v = props.vitals;
  if (!v || (v.cpuPercent === null && v.memoryPercent === null)) {
    return <p>The latest snapshot has no vitals.</p>;
  }
  return (
    <div class="vitals">
      {v.cpuPercent !== null && (
        <Bar
          label="CPU"
          percent={v.cpuPercent}
          text={`${fmt(v.cpuPercent)}% used${v.cores ? ` of ${v.cores} cores` : ""}`}
        />
      )}
      {v.memoryPercent !== null && (
        <Bar
          label="Memory"
          percent={v.memoryPercent}
          text={`${fmt(v.memoryPercent)}% used${
            v.memoryUsedMb !== null && v.memoryTotalMb !== null
              ? ` (${fmt(v.memoryUsedMb)} of ${fmt(v.memoryTotalMb)} MB)`
              : ""
          }`}
        />
      )}
    </div>
  );
}
