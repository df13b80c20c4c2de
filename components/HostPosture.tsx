import type { Posture } from "@/lib/signals/posture.ts";
import { PostureBadge, SeverityBadge } from "@/components/HostBadges.tsx";

const STAGE_TEXT: Record<Posture["stage"], string> = {
  observe: "observe — nothing needs action",
  watch: "watch — look at the findings below soon",
  contain: "contain — act on the findings now",
  lockdown: "lockdown — treat the host as compromised",
};

/** Score, band and containment stage, explained by the signals that cost the most points. */
export function HostPosture(props: { posture: Posture }) {
  const { posture } = props;
  return (
    <section class="card" aria-labelledby="posture-title">
      <h2 id="posture-title">Posture</h2>
      <p class="posture-line">
        <PostureBadge score={posture.score} band={posture.band} />{" "}
        <span>
          Stage: <strong>{STAGE_TEXT[posture.stage]}</strong>
        </span>
      </p>
      <p class="muted">
        The score (0–100, higher is worse) adds points per current signal by severity and code
        weight, fading as findings age, plus a penalty when the host goes silent.
      </p>
      {posture.contributors.length === 0
        ? <p>No signal adds risk right now.</p>
        : (
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Risk contributors table">
            <table class="contributors">
              <caption class="visually-hidden">Top contributors to the score</caption>
              <thead>
                <tr>
                  <th scope="col">Signal</th>
                  <th scope="col">Severity</th>
                  <th scope="col" class="num">Points</th>
                </tr>
              </thead>
              <tbody>
                {posture.contributors.map((c) => (
                  <tr key={c.code}>
                    <th scope="row">
                      {c.title !== c.code && <span>{c.title}</span>} <code>{c.code}</code>
                    </th>
                    <td>
                      <SeverityBadge severity={c.severity} />
                    </td>
                    <td class="num">{c.points}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}
