import { type Signal, useComputed } from "@preact/signals";

/** Development check: a counter bound to a signal that other islands may share. */
export default function Counter(props: { label: string; count: Signal<number> }) {
  const double = useComputed(() => props.count.value * 2);
  return (
    <div class="counter" data-counter={props.label}>
      <span class="counter-label">{props.label}</span>
      <output class="counter-value">{props.count}</output>
      <span class="counter-double">double {double}</span>
      <button type="button" onClick={() => props.count.value++}>+1 {props.label}</button>
    </div>
  );
}
