import type { ComponentChildren } from "preact";

/**
 * A titled card of a console page: a `<section class="card">` named by its `<h2>`, the id pair
 * derived from `name` so the label always points at the heading. With `actions` (given, even as
 * `false` or `null`) the heading sits in a `section-head` row with them, which also keeps the
 * heading's spacing the same whether or not an action shows.
 *
 * @example
 * ```tsx
 * <SectionCard name="log" title="Delivery log">
 *   <DeliveryLog rows={data.log} />
 * </SectionCard>
 * // <section class="card" aria-labelledby="log-title"><h2 id="log-title">Delivery log</h2>…
 * ```
 */
export function SectionCard(props: {
  /** The heading's id is `<name>-title`. */
  name: string;
  title: ComponentChildren;
  /** More classes after `card` (`narrow`, `danger-zone`). */
  class?: string;
  actions?: ComponentChildren;
  children?: ComponentChildren;
}) {
  const titleId = `${props.name}-title`;
  const heading = <h2 id={titleId}>{props.title}</h2>;
  return (
    <section class={props.class ? `card ${props.class}` : "card"} aria-labelledby={titleId}>
      {props.actions === undefined ? heading : (
        <div class="section-head">
          {heading}
          {props.actions}
        </div>
      )}
      {props.children}
    </section>
  );
}
