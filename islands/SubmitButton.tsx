import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";

/**
 * A form's submit button that shows the form is being sent: once the form submits it is
 * disabled, `aria-busy` and labelled `pendingLabel` until the next page arrives (a page brought
 * back from the back/forward cache is reset). With `confirm`, a destructive action first asks
 * (the browser's confirmation dialog; declining sends nothing). Without JavaScript it is a plain
 * submit button.
 *
 * @example
 * ```tsx
 * <SubmitButton label="Save retention" pendingLabel="Saving…" class="button-primary" />
 * <SubmitButton label="Test" pendingLabel="Sending…" ariaLabel="Send a test to Pager" />
 * <SubmitButton label="Remove" pendingLabel="Removing…" confirm="Remove vera@example.test?" />
 * ```
 */
export default function SubmitButton(
  props: {
    label: string;
    pendingLabel: string;
    class?: string;
    id?: string;
    /** The accessible name when the visible label alone is ambiguous (row actions). */
    ariaLabel?: string;
    title?: string;
    /** Asked before the form is sent (destructive actions); declining cancels it. */
    confirm?: string;
  },
) {
  const pending = useSignal(false);
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const form = ref.current?.form;
    if (!form) return;
    const onSubmit = (event: Event) => {
      if (!event.defaultPrevented) pending.value = true;
    };
    const onShow = () => pending.value = false;
    form.addEventListener("submit", onSubmit);
    globalThis.addEventListener("pageshow", onShow);
    return () => {
      form.removeEventListener("submit", onSubmit);
      globalThis.removeEventListener("pageshow", onShow);
    };
  }, []);
  return (
    <button
      ref={ref}
      type="submit"
      id={props.id}
      class={props.class}
      aria-label={props.ariaLabel}
      title={props.title}
      data-confirm={props.confirm}
      onClick={props.confirm
        ? (event) => {
          if (!globalThis.confirm(props.confirm)) event.preventDefault();
        }
        : undefined}
      disabled={pending.value}
      aria-busy={pending.value ? "true" : undefined}
    >
      {pending.value ? props.pendingLabel : props.label}
    </button>
  );
}
