import type { ReadonlySignal, Signal } from "@preact/signals";
import Counter from "./Counter.tsx";

/** An island rendering another island: only this outer one gets markers and boots. */
export default function CounterPanel(
  props: { count: Signal<number>; frozen: ReadonlySignal<number> },
) {
  return (
    <fieldset class="counter-panel">
      <legend>Panel (frozen at {props.frozen})</legend>
      <Counter label="nested" count={props.count} />
    </fieldset>
  );
}
