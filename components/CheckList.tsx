import type { Check as ReadinessCheck } from "@/lib/ops/readiness.ts";

/** A readiness check per row: name, state, and the reason when it fails. */
export function CheckList(props: { checks: Record<string, ReadinessCheck | undefined> }) {
  const rows = Object.entries(props.checks).filter((e): e is [string, ReadinessCheck] => !!e[1]);
  return (
    <ul class="checks">
      {rows.map(([name, check]) => (
        <li key={name} class={check.ok ? "check-ok" : "check-bad"}>
          <span class="check-name">{name}</span>
          <span class="check-state">{check.ok ? "ok" : "failing"}</span>
          {check.detail && <span class="check-detail">{check.detail}</span>}
        </li>
      ))}
    </ul>
  );
}
