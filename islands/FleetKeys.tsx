import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { FLEET_KEYS, fleetKeyAction, nextRow } from "@/lib/ui/fleet_keys.ts";

/** The fleet table's rows, wherever they were rendered (server or a live island). */
const ROWS = "table.fleet tbody tr[data-host]";

/**
 * Keyboard shortcuts for the fleet table (key map in `lib/ui/fleet_keys.ts`): `j`/`k` move the
 * focus from host to host (Enter opens the focused host's page), `/` jumps to the search field,
 * `?` opens a dialog listing them. Keys typed into a field are left alone. Without JavaScript
 * nothing is shown.
 *
 * @example
 * ```tsx
 * <FleetKeys searchId="f-q" />
 * ```
 */
export default function FleetKeys(props: { searchId: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const ready = useSignal(false);
  useEffect(() => {
    ready.value = true;
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || dialog.current?.open) return;
      const target = event.target instanceof HTMLElement ? event.target : null;
      const action = fleetKeyAction({
        key: event.key,
        ctrlKey: event.ctrlKey,
        altKey: event.altKey,
        metaKey: event.metaKey,
        targetTag: target?.tagName,
        editable: target?.isContentEditable,
      });
      if (!action) return;
      event.preventDefault();
      if (action === "help") {
        dialog.current?.showModal();
      } else if (action === "search") {
        const search = document.getElementById(props.searchId);
        if (search instanceof HTMLInputElement) {
          search.focus();
          search.select();
        }
      } else {
        const rows = [...document.querySelectorAll<HTMLTableRowElement>(ROWS)];
        const current = rows.findIndex((row) => row.contains(document.activeElement));
        const link = rows[nextRow(action, current, rows.length)]?.querySelector("th a");
        if (link instanceof HTMLAnchorElement) {
          link.focus();
          link.scrollIntoView({ block: "nearest" });
        }
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  return (
    <>
      <button
        type="button"
        class="shortcuts-button"
        hidden={!ready.value}
        aria-keyshortcuts="?"
        aria-haspopup="dialog"
        onClick={() => dialog.current?.showModal()}
      >
        Keyboard shortcuts <kbd>?</kbd>
      </button>
      <dialog ref={dialog} class="shortcuts" aria-labelledby="shortcuts-title">
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <dl class="key-map">
          {FLEET_KEYS.map((k) => (
            <div key={k.does}>
              <dt>{k.keys.map((key) => <kbd key={key}>{key}</kbd>)}</dt>
              <dd>{k.does}</dd>
            </div>
          ))}
        </dl>
        <p class="muted small">Shortcuts are off while you type in a field.</p>
        <form method="dialog">
          <button type="submit" class="button-primary">Close</button>
        </form>
      </dialog>
    </>
  );
}
