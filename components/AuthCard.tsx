import type { ComponentChildren } from "preact";

/** The narrow, centred panel of the signed-out pages (sign-in, setup, reset, invitation). */
export function AuthCard(
  props: { title: string; intro?: ComponentChildren; children: ComponentChildren },
) {
  return (
    <section class="auth-card" aria-labelledby="auth-title">
      <h1 id="auth-title">{props.title}</h1>
      {props.intro && <p class="muted">{props.intro}</p>}
      {props.children}
    </section>
  );
}
