import { Notice } from "@/components/Notice.tsx";
import { Time } from "@/components/HostBadges.tsx";
import type { ShownTest } from "@/lib/ui/once_result.ts";
import { StatusPill } from "./EndpointsTable.tsx";

/**
 * A webhook signing secret, shown once after create or rotate; `previousUntil` (ISO) is the end
 * of a rotation's overlap, when the old secret stops signing.
 */
export function SecretNotice(props: { secret: string; rotated: boolean; previousUntil?: string }) {
  return (
    <Notice kind="info">
      <p>
        {!props.rotated ? "Endpoint created. " : props.previousUntil
          ? (
            <>
              Secret rotated. Until <Time iso={props.previousUntil} absolute />{" "}
              every delivery is signed with both secrets (the new one first), so the receiver can
              switch without rejecting anything; after that only the new one signs.{" "}
            </>
          )
          : "Secret rotated; the old one no longer verifies. "}
        <strong>This signing secret is shown only now</strong>: store it in the receiver to verify
        the <code>webhook-signature</code> header.
      </p>
      <p>
        <code class="secret" id="new-secret">{props.secret}</code>
      </p>
    </Notice>
  );
}

/** Outcomes of a test send, one line per endpoint with its own ok or error state. */
export function TestResults(props: { results: ShownTest[]; more?: number }) {
  if (props.results.length === 0) {
    return <Notice kind="info">No enabled endpoint to test: add or enable one first.</Notice>;
  }
  const failed = props.results.filter((r) => r.status !== "sent").length;
  const total = props.results.length;
  // All sent: ok. All failed: an error. Some of each: a neutral box, each line saying its state.
  const kind = failed === 0 ? "ok" : failed === total ? "error" : "info";
  const summary = failed === 0
    ? `All ${total} test deliveries were sent.`
    : failed === total
    ? `All ${total} test deliveries failed.`
    : `${failed} of ${total} test deliveries failed; the others were sent.`;
  return (
    <Notice kind={kind}>
      {total > 1 && <p id="test-summary">{summary}</p>}
      <ul class="plain" id="test-results">
        {props.results.map((r, i) => (
          <li
            key={`${r.endpointId}-${i}`}
            data-endpoint={r.endpointId}
            data-status={r.status}
            data-state={r.status === "sent" ? "ok" : "error"}
          >
            <strong>{r.name}</strong>: <StatusPill status={r.status} />
            {r.code !== null && ` (${r.code})`} in {r.latencyMs} ms
            {r.error && <span>{` · ${r.error}`}</span>}
          </li>
        ))}
      </ul>
      {props.more
        ? <p class="muted">{`…and ${props.more} more (see the delivery logs).`}</p>
        : null}
    </Notice>
  );
}
