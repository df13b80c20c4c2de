import type { ComponentChildren } from "preact";
import type { RunRow } from "@/lib/ui/remediation.ts";
import { IntentButton } from "@/components/IntentButton.tsx";
import { RunsTable } from "@/components/Remediation.tsx";
import { SectionCard } from "@/components/SectionCard.tsx";

/**
 * One queue of the remediation console: a card titled `title` (heading id `<name>-title`) with
 * the runs table `runs-<name>`, every run with its host; `actions` adds a cell of buttons per
 * run, `headActions` sits beside the heading.
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
 * which action on which host ("Approve lockdown-access-surface on web-1").
 *
 * @example
 * ```tsx
 * <RunButton intent="cancel" label="Cancel" run={r} danger />
 * ```
 */
export function RunButton(
  props: { intent: string; label: string; run: RunRow; danger?: boolean },
) {
  return (
    <IntentButton
      intent={props.intent}
      fields={{ runId: props.run.id }}
      label={props.label}
      ariaLabel={`${props.label} ${props.run.actionId} on ${props.run.hostName}`}
      danger={props.danger}
    />
  );
}
