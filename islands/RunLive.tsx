import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { RunOutput, RunState, When } from "@/components/RunOutput.tsx";
import { type LiveRun, liveRunOf, RUN_STATE_LABELS, stillMoving } from "@/lib/ui/run_live.ts";
import { liveSupported, liveUrl, subscribeLive } from "@/lib/live/client.ts";

/** Fallback polling (browsers without EventSource): interval, and how long a page polls. */
const EVERY_MS = 2_000;
const AT_MOST_MS = 30 * 60_000;

/**
 * A run's state, approval, commit-confirm, verification and job output, kept current: while the
 * run is still moving it follows its host's live stream (`GET /api/live?host=…`) and re-reads
 * `GET /api/remediate/:runId` when an event names the run (and once per (re)connection, for
 * what happened before), re-rendering in place and announcing state changes politely. Without
 * EventSource it polls every 2 s instead. Server-rendered with the same data, so without
 * JavaScript it is the state as of the page load.
 *
 * `approval`: the approval line as the server rendered it (omitted: no approval line).
 * `actionsBelow`: the page has forms for the state it was rendered in; once the state changes,
 * say they may no longer apply. `continueHref`: once the run settles, a link to follow (the
 * console reloads with the result).
 */
export default function RunLive(
  props: {
    initial: LiveRun;
    approval?: string;
    actionsBelow?: boolean;
    continueHref?: string;
    continueLabel?: string;
    idPrefix?: string;
  },
) {
  const live = useSignal(props.initial);
  const note = useSignal("");
  useEffect(() => {
    if (!stillMoving(live.value)) return;
    note.value = "Live: this updates by itself.";
    let stopped = false;
    let stop = () => {};
    /** Re-reads the run; false when updates should end (settled, or refused). */
    const refresh = async (): Promise<boolean> => {
      try {
        const res = await fetch(`/api/remediate/${encodeURIComponent(props.initial.id)}`, {
          headers: { accept: "application/json" },
        });
        if (res.ok) {
          const body = await res.json();
          const next = liveRunOf(body.run, body.jobs ?? []);
          if (next.state !== live.value.state) {
            note.value = `State changed to ${RUN_STATE_LABELS[next.state] ?? next.state}.`;
          }
          live.value = next;
        } else if (res.status < 500) {
          note.value = "Live updates stopped; reload the page.";
          return false;
        }
      } catch {
        return true; // a network blip: the next event or round tries again
      }
      if (!stillMoving(live.value)) {
        note.value = `Final state: ${RUN_STATE_LABELS[live.value.state] ?? live.value.state}.`;
        return false;
      }
      return true;
    };
    const hostId = props.initial.hostId;
    if (liveSupported() && hostId) {
      const follow = async () => {
        if (!stopped && !(await refresh())) stop();
      };
      stop = subscribeLive(liveUrl(hostId, null), {
        open: follow,
        reset: follow,
        event(data) {
          if (data.type === "run" && data.id === props.initial.id) void follow();
        },
      });
    } else {
      const started = Date.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const poll = async () => {
        if (stopped) return;
        if (!document.hidden && !(await refresh())) return;
        if (stopped) return;
        if (Date.now() - started > AT_MOST_MS) {
          note.value = "Live updates paused; reload the page to resume.";
          return;
        }
        timer = setTimeout(poll, EVERY_MS);
      };
      timer = setTimeout(poll, EVERY_MS);
      stop = () => clearTimeout(timer);
    }
    return () => {
      stopped = true;
      stop();
    };
  }, []);
  const run = live.value;
  const from = props.initial.state;
  const moved = run.state !== from;
  const approval = run.state === "awaiting-approval"
    ? "awaiting a second person (two-person rule)"
    : moved && from === "awaiting-approval"
    ? (run.state === "canceled" ? "rejected or canceled" : "approved") + " (reload to see by whom)"
    : props.approval;
  return (
    <div class="run-live" data-live-state={run.state}>
      <dl class="facts">
        <dt>State</dt>
        <dd>
          <RunState state={run.state} />
        </dd>
        {approval !== undefined && (
          <>
            <dt>Approval</dt>
            <dd class="wrap" data-approval>{approval}</dd>
          </>
        )}
        <dt>Dispatched</dt>
        <dd>
          <When iso={run.dispatchedAt} />
        </dd>
        <dt>Finished</dt>
        <dd>
          <When iso={run.finishedAt} />
        </dd>
        {run.mode === "execute" && (
          <>
            <dt>Commit-confirm</dt>
            <dd>
              {run.confirmState ? <RunState state={run.confirmState} /> : (
                <span class="muted">
                  {run.state === "succeeded" ? "not needed (irreversible)" : "not armed yet"}
                </span>
              )}
              {run.confirmState === "armed" && run.confirmDeadline && (
                <span class="wrap" data-confirm-deadline>
                  {` rolls back at `}
                  <time dateTime={run.confirmDeadline} title={run.confirmDeadline}>
                    {`${run.confirmDeadline.slice(11, 16)} UTC`}
                  </time>
                  {` unless a healthy snapshot confirms it`}
                </span>
              )}
            </dd>
            <dt>Verification</dt>
            <dd>
              {run.verification
                ? <RunState state={run.verification} />
                : <span class="muted">after it succeeds</span>}
              {run.verificationDetail && <span class="wrap">{` ${run.verificationDetail}`}</span>}
            </dd>
          </>
        )}
        {run.lastError && (
          <>
            <dt>Last error</dt>
            <dd class="wrap">{run.lastError}</dd>
          </>
        )}
        {run.deadLetterReason && (
          <>
            <dt>Dead-lettered</dt>
            <dd class="wrap">{run.deadLetterReason}</dd>
          </>
        )}
      </dl>
      <p class="muted live-note" role="status">{note.value}</p>
      {props.actionsBelow && moved && (
        <p class="notice notice-info">
          The run changed since this page loaded; the actions below may no longer apply.{" "}
          <a href={`/remediation/${encodeURIComponent(run.id)}`}>Reload the run</a>
        </p>
      )}
      {props.continueHref && run.settled && (
        <p>
          <a class="button-link" href={props.continueHref}>
            {props.continueLabel ?? "Continue"}
          </a>
        </p>
      )}
      <RunOutput jobs={run.jobs} idPrefix={props.idPrefix} />
    </div>
  );
}
