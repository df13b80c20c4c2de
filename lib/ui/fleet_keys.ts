/**
 * The fleet table's keyboard shortcuts, as data: the help dialog lists `FLEET_KEYS` and the
 * island (`islands/FleetKeys.tsx`) asks `fleetKeyAction` what a key press means. Typing in a
 * field never triggers a shortcut, nor does a key pressed with Ctrl, Alt or Meta.
 */

/** What a shortcut does. */
export type FleetKeyAction = "next" | "previous" | "search" | "help";

/** One line of the help dialog: the keys as shown, and what they do. */
export interface FleetKey {
  keys: string[];
  does: string;
}

/** The key map, in the order the help dialog shows it. */
export const FLEET_KEYS: readonly FleetKey[] = [
  { keys: ["j"], does: "Focus the next host" },
  { keys: ["k"], does: "Focus the previous host" },
  { keys: ["Enter"], does: "Open the focused host" },
  { keys: ["/"], does: "Search hosts" },
  { keys: ["?"], does: "Show these shortcuts" },
  { keys: ["Esc"], does: "Close this dialog" },
];

/** The parts of a `KeyboardEvent` that decide the action. */
export interface KeyPress {
  key: string;
  ctrlKey?: boolean;
  altKey?: boolean;
  metaKey?: boolean;
  /** Tag name of the event target, upper case as in the DOM (`INPUT`). */
  targetTag?: string;
  /** The target is `contenteditable`. */
  editable?: boolean;
}

const TYPING = new Set(["INPUT", "TEXTAREA", "SELECT"]);

/**
 * The shortcut a key press triggers, or null (typing in a field, a modifier held, another key).
 * Enter is not here: the focused host's link opens on Enter by itself.
 *
 * @example
 * ```ts
 * fleetKeyAction({ key: "j", targetTag: "A" }); // "next"
 * fleetKeyAction({ key: "j", targetTag: "INPUT" }); // null: the operator is typing
 * ```
 */
export function fleetKeyAction(press: KeyPress): FleetKeyAction | null {
  if (press.ctrlKey || press.altKey || press.metaKey) return null;
  if (press.editable || TYPING.has(press.targetTag ?? "")) return null;
  switch (press.key) {
    case "j":
      return "next";
    case "k":
      return "previous";
    case "/":
      return "search";
    case "?":
      return "help";
    default:
      return null;
  }
}

/**
 * The row to focus after `action`, from the focused row (-1 when none): the first row when
 * none is focused and the last for `previous`; it stops at either end.
 *
 * @example
 * ```ts
 * nextRow("next", -1, 3); // 0
 * nextRow("previous", 0, 3); // 0
 * ```
 */
export function nextRow(action: "next" | "previous", current: number, count: number): number {
  if (count === 0) return -1;
  if (current < 0) return action === "next" ? 0 : count - 1;
  return action === "next" ? Math.min(current + 1, count - 1) : Math.max(current - 1, 0);
}
