import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

/**
 * Copies the text of the element `target` (by id) to the clipboard and says so ("Copied" for a
 * moment). Where the clipboard is refused (an insecure origin, a denied permission) it selects
 * the text instead, so Ctrl+C copies it. Hidden until hydrated: without JavaScript there is no
 * dead button, and the text stays selectable.
 *
 * @example
 * ```tsx
 * <pre id="push-command">…</pre>
 * <CopyButton target="push-command" label="the push command" />
 * ```
 */
export default function CopyButton(props: { target: string; label: string }) {
  const ready = useSignal(false);
  const state = useSignal<"idle" | "copied" | "selected">("idle");
  useEffect(() => {
    ready.value = true;
  }, []);
  const copy = async () => {
    const element = document.getElementById(props.target);
    if (!element) return;
    try {
      await navigator.clipboard.writeText(element.textContent ?? "");
      state.value = "copied";
    } catch {
      const range = document.createRange();
      range.selectNodeContents(element);
      const selection = globalThis.getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
      state.value = "selected";
    }
    setTimeout(() => state.value = "idle", 2500);
  };
  return (
    <button
      type="button"
      class="copy-button"
      hidden={!ready.value}
      onClick={copy}
      aria-label={`Copy ${props.label}`}
      aria-live="polite"
    >
      {state.value === "copied"
        ? "Copied"
        : state.value === "selected"
        ? "Selected: press Ctrl+C"
        : "Copy"}
    </button>
  );
}
