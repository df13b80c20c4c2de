import type { ComponentChildren } from "preact";

/**
 * A message above a form or section: `ok` (a flash after a redirect), `error` (a failed
 * submission, announced at once) or `info`.
 */
export function Notice(props: { kind: "ok" | "error" | "info"; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${props.kind}`} role={props.kind === "error" ? "alert" : "status"}>
      {props.children}
    </div>
  );
}

/** The flash and error message of a page, each when present. */
export function Messages(props: { flash?: string; message?: string }) {
  return (
    <>
      {props.flash && <Notice kind="ok">{props.flash}</Notice>}
      {props.message && <Notice kind="error">{props.message}</Notice>}
    </>
  );
}
