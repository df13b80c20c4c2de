import { Fragment } from "preact";
import { withQuery } from "@/lib/ui/navigation.ts";

/** An audit entry as the audit page lists it. */
export interface AuditRow {
  id: string;
  ts: string;
  actorType: string;
  actorId: string;
  actorLabel: string;
  action: string;
  targetType: string;
  targetId: string;
  summary: string;
  ip: string;
}

/**
 * An action that wraps only after its dots ("incident.<wbr>reopen"), never inside a word: its
 * text stays the action as stored.
 */
function actionWords(action: string) {
  const parts = action.split(".");
  return parts.map((part, i) => (
    <Fragment key={i}>
      {part}
      {i < parts.length - 1 && (
        <>
          .<wbr />
        </>
      )}
    </Fragment>
  ));
}

const shortTime = (iso: string) => `${iso.replace("T", " ").slice(0, 19)}`;

/**
 * Audit entries, newest first. Actor, action and target link to the same page filtered by
 * them, keeping the other filters.
 */
export function AuditTable(props: { rows: AuditRow[]; filters: Record<string, string> }) {
  const filtered = (extra: Record<string, string>) =>
    withQuery("/audit", { ...props.filters, before: undefined, ...extra });
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label="Audit events table">
      <table class="audit">
        <thead>
          <tr>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Summary</th>
            <th scope="col">IP</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={row.id}>
              <td class="nowrap">
                <time dateTime={row.ts} title={row.ts}>{shortTime(row.ts)}</time>
              </td>
              <td>
                {row.actorId
                  ? (
                    <a
                      href={filtered({ actor: row.actorId })}
                      title={`${row.actorType} ${row.actorId}`}
                    >
                      {row.actorLabel}
                    </a>
                  )
                  : <span class="muted">{row.actorLabel}</span>}
              </td>
              <td>
                <a href={filtered({ action: row.action })}>
                  <code class="audit-action">{actionWords(row.action)}</code>
                </a>
              </td>
              <td>
                {row.targetType && (
                  <a href={filtered({ targetType: row.targetType, targetId: row.targetId })}>
                    {row.targetType} <code>{row.targetId}</code>
                  </a>
                )}
              </td>
              <td class="summary">{row.summary}</td>
              <td>{row.ip}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
