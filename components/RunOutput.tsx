import { Time } from "@/components/HostBadges.tsx";
import { type LiveJob, RUN_STATE_LABELS, runTone } from "@/lib/ui/run_live.ts";

/** A run, job, confirm or verification state as a coloured pill (the text says it too). */
export function RunState(props: { state: string; label?: string }) {
  return (
    <span class={`pill run-${runTone(props.state)}`} data-run-state={props.state}>
      {props.label ?? RUN_STATE_LABELS[props.state] ?? props.state.replaceAll("-", " ")}
    </span>
  );
}

const MODE_LABELS: Record<string, string> = {
  "dry-run": "Dry-run",
  execute: "Execute",
  rollback: "Rollback",
  verify: "Verify",
};

function exitText(exitCode: number | null, signal: string | null): string {
  if (exitCode !== null) return `exit ${exitCode}`;
  return signal ? `killed by ${signal}` : "no exit code";
}

/**
 * The jobs of a run with each step's exit code and output tails, as the runner reported them.
 * Output is shown as text in `<pre>`, never as markup.
 */
export function RunOutput(props: { jobs: LiveJob[]; idPrefix?: string }) {
  if (props.jobs.length === 0) {
    return <p class="muted">No job yet: the run has not been sent to the host.</p>;
  }
  return (
    <div class="run-jobs">
      {props.jobs.map((job, j) => (
        <section
          key={job.jti || j}
          class="run-job"
          data-job-mode={job.mode}
          data-job-state={job.state}
          aria-labelledby={`${props.idPrefix ?? "job"}-${j}`}
        >
          <h3 id={`${props.idPrefix ?? "job"}-${j}`}>
            {MODE_LABELS[job.mode] ?? job.mode} job{" "}
            <RunState state={job.state} label={job.state.replaceAll("_", " ")} />
          </h3>
          {job.jti && (
            <p class="muted small">
              Job <code>{job.jti}</code>
            </p>
          )}
          {job.refusedReason && (
            <p>
              The runner refused it: <code>{job.refusedReason}</code>
            </p>
          )}
          {job.steps.length === 0
            ? (
              <p class="muted">
                {job.status ? "The runner reported no steps." : "No result reported yet."}
              </p>
            )
            : (
              <ol class="plain step-results">
                {job.steps.map((s) => (
                  <li
                    key={s.id}
                    data-step={s.id}
                    data-exit={s.exitCode === null ? "" : String(s.exitCode)}
                  >
                    <p class="step-head">
                      <code>{s.id}</code>{" "}
                      <span class={s.exitCode === 0 ? "exit-ok" : "exit-bad"}>
                        {exitText(s.exitCode, s.signal)}
                      </span>{" "}
                      <span class="muted">
                        {s.durationMs} ms{s.truncated ? " · output truncated" : ""}
                      </span>
                    </p>
                    {s.stdoutTail && (
                      <>
                        <p class="stream-label">stdout</p>
                        <pre
                          class="output"
                          data-stream="stdout"
                          tabIndex={0}
                          aria-label={`${s.id} stdout`}
                        >{s.stdoutTail}</pre>
                      </>
                    )}
                    {s.stderrTail && (
                      <>
                        <p class="stream-label">stderr</p>
                        <pre
                          class="output"
                          data-stream="stderr"
                          tabIndex={0}
                          aria-label={`${s.id} stderr`}
                        >{s.stderrTail}</pre>
                      </>
                    )}
                    {!s.stdoutTail && !s.stderrTail && <p class="muted small">No output.</p>}
                  </li>
                ))}
              </ol>
            )}
        </section>
      ))}
    </div>
  );
}

/** When something happened (exact UTC: this renders in the RunLive island too), or a dash. */
export function When(props: { iso: string | null }) {
  return props.iso ? <Time iso={props.iso} absolute /> : <span class="muted">—</span>;
}
