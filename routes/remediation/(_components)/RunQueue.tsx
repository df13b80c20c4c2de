import type { ComponentChildren } from "preact";
import { actionTitle, type RunRow } from "@/lib/ui/remediation.ts";
import { IntentButton } from "@/components/IntentButton.tsx";
import { RiskBadge, RunsTable } from "@/components/Remediation.tsx";
import { SectionCard } from "@/components/SectionCard.tsx";

/**
 * One queue of the remediation console: a card titled `title` (heading id `<name>-title`) with
 * the runs table `runs-<name>`, every run named by its action's title (the id beside it) with its
 * host; `actions` adds a cell of buttons per run, `headActions` sits beside the heading.
 *
 * @example
 * ```tsx
 * <RunQueue name="recent" title="Recently finished" rows={data.recent}
 *   caption="Runs that finished, newest first" empty="No run has finished yet." />
 * ```
 */
export function RunQueue(props: {
  name: string;
  title: string;
  rows: RunRow[];
  caption: string;
  empty: string;
  actions?: (row: RunRow) => ComponentChildren;
  headActions?: ComponentChildren;
}) {
  return (
    <SectionCard name={props.name} title={props.title} actions={props.headActions}>
      <RunsTable
        id={`runs-${props.name}`}
        rows={props.rows}
        caption={props.caption}
        empty={props.empty}
        showHost
        actions={props.actions}
      />
    </SectionCard>
  );
}

/**
 * A row button that posts `intent` for one run, named for screen readers by what it does to
 * which action on which host ("Approve Lock down the access surface on web-1"); `confirm` is
 * asked before it is sent.
 *
 * @example
 * ```tsx
 * <RunButton intent="cancel" label="Cancel" run={r} danger />
 * ```
 */
export function RunButton(
  props: { intent: string; label: string; run: RunRow; danger?: boolean; confirm?: string },
) {
  return (
    <IntentButton
      intent={props.intent}
      fields={{ runId: props.run.id }}
      label={props.label}
      ariaLabel={`${props.label} ${actionTitle(props.run.actionId)} on ${props.run.hostName}`}
      danger={props.danger}
      confirm={props.confirm}
    />
  );
}

/**
 * What an approval lets run, beside Approve: the host, the risk and whether it can be undone;
 * and the question Approve asks before it is sent.
 *
 * @example
 * ```tsx
 * <ApproveFacts run={r} reversible={true} />
 * ```
 */
export function ApproveFacts(props: { run: RunRow; reversible: boolean | undefined }) {
  const r = props.run;
  return (
    <span class="muted small" data-approve-facts>
      on <strong>{r.hostName}</strong> · <RiskBadge tier={r.riskTier} /> ·{" "}
      {reversibleWords(props.reversible)}
    </span>
  );
}

function reversibleWords(reversible: boolean | undefined): string {
  return reversible === undefined
    ? "reversibility unknown"
    : reversible
    ? "reversible"
    : "irreversible";
}

/** "Approve Lock down the access surface on web-1? Reversible: …" */
export function approveQuestion(r: RunRow, reversible: boolean | undefined): string {
  const how = reversible === undefined
    ? "Open the run to see its plan."
    : reversible
    ? "Reversible: rolled back unless a healthy snapshot confirms it."
    : "Irreversible: it cannot be undone.";
  return `Approve ${actionTitle(r.actionId)} on ${r.hostName}? ${how}`;
}
