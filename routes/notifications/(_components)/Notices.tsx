import { Notice } from "@/components/Notice.tsx";
import { Time } from "@/components/HostBadges.tsx";
import type { TestOutcome } from "@/lib/notify/test_send.ts";

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

/** Outcomes of a test send, one line per endpoint. */
export function TestResults(props: { results: TestOutcome[] }) {
  if (props.results.length === 0) {
    return <Notice kind="info">No enabled endpoint to test: add or enable one first.</Notice>;
  }
  const failed = props.results.some((r) => r.status !== "sent");
  return (
    <Notice kind={failed ? "error" : "ok"}>
      <ul class="plain" id="test-results">
        {props.results.map((r) => (
          <li key={r.deliveryId} data-status={r.status}>
            <strong>{r.name}</strong>: {r.status}
            {r.code !== null && ` (${r.code})`} in {r.latencyMs} ms
            {r.error && <span>{` · ${r.error}`}</span>}
          </li>
        ))}
      </ul>
    </Notice>
  );
}
