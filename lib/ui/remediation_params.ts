/**
 * The remediation console's form side: the per-action param fields and how form values become
 * catalog params (and back into URLs and hidden fields). How a refusal lands on the form is
 * `remediation_problem.ts`.
 *
 * @module
 */
import { catalogAction } from "../remediation/catalog/mod.ts";
import { FORENSICS_MAX_PIDS } from "../remediation/catalog/collect_forensics_first.ts";
import { unexpectedPublicPorts } from "../remediation/catalog/evidence.ts";
import { comparePortSpecs } from "../remediation/catalog/params.ts";

// ---------------------------------------------------------------------------------------------
// param fields

/** One input of an action's params form. */
export interface ParamField {
  name: string;
  label: string;
  /** `ports`: one checkbox per unexpected public port of the latest snapshot. */
  kind: "text" | "checkbox" | "select" | "ports";
  hint?: string;
  options?: [string, string][];
  required?: boolean;
  maxLength?: number;
  /** `numeric` for counts and ids typed into a text field (phones show digits). */
  inputmode?: "numeric";
}

/** An unexpected public port of the latest snapshot, as the forms offer it. */
export interface PortChoice {
  spec: string;
  label: string;
}

/** Form values by field name; a `ports` field holds its checked specs joined with commas. */
export type ParamValues = Record<string, string>;

/** Anything with `get`/`getAll`: `URLSearchParams` and `FormData`. */
export interface FormSource {
  get(name: string): FormDataEntryValue | null;
  getAll(name: string): FormDataEntryValue[];
}

/**
 * The unexpected public ports of a snapshot (what lockdown and quarantine act on), ordered.
 *
 * @example
 * ```ts
 * portChoices(input.snapshot); // [{ spec: "tcp:6379", label: "tcp:6379 · redis-server" }, …]
 * ```
 */
export function portChoices(snapshot: Record<string, unknown> | null): PortChoice[] {
  const found = unexpectedPublicPorts(snapshot);
  if (!found) return [];
  return [...found.keys()].sort(comparePortSpecs).map((spec) => {
    const procs = [...new Set(found.get(spec)!.map((l) => l.proc).filter(Boolean))];
    return { spec, label: procs.length ? `${spec} · ${procs.join(", ")}` : spec };
  });
}

/**
 * The defaults the action's params schema fills in for `{}` (the read-only actions' optional
 * knobs), so the form starts from the catalog's own values instead of copies of them.
 */
function schemaDefaults(actionId: string): Record<string, unknown> {
  const parsed = catalogAction(actionId)?.params.safeParse({});
  return parsed?.success ? parsed.data : {};
}

/** The fields of the read-only actions: all optional; left alone, the catalog defaults apply. */
function readOnlyFields(actionId: string): ParamField[] | null {
  const defaults = schemaDefaults(actionId);
  switch (actionId) {
    case "verify-system-drift":
      return [
        {
          name: "packages",
          label: "Packages (optional)",
          kind: "text",
          maxLength: 300,
          hint: "Debian package names separated by spaces or commas, e.g. openssh-server; " +
            "empty verifies every installed package.",
        },
        {
          name: "includeDebsums",
          label: "Also run debsums -s",
          kind: "checkbox",
          hint: "debsums may not be installed; its step may fail without stopping the others.",
        },
        { name: "includeSshdConfig", label: "Test the SSH config (sshd -t)", kind: "checkbox" },
      ];
    case "collect-forensics-first":
      return [
        {
          name: "pids",
          label: "Process ids (optional)",
          kind: "text",
          maxLength: 100,
          hint: `At most ${FORENSICS_MAX_PIDS} pids separated by spaces or commas; empty ` +
            "examines the processes the latest snapshot flags as IOC hits.",
        },
        {
          name: "journalSinceMinutes",
          label: "Journal window (minutes)",
          kind: "text",
          inputmode: "numeric",
          maxLength: 5,
          hint:
            `How far back the journal excerpt reaches; default ${defaults.journalSinceMinutes}.`,
        },
        {
          name: "journalLines",
          label: "Journal lines",
          kind: "text",
          inputmode: "numeric",
          maxLength: 5,
          hint: `The most journal lines to keep; default ${defaults.journalLines}.`,
        },
      ];
    default:
      return null;
  }
}

/**
 * The fields of an action's params form. The read-only actions' fields are optional and start
 * at the catalog's defaults.
 *
 * @example
 * ```ts
 * paramFields("block-ip", []).map((f) => f.name); // ["ip", "allowPrivate"]
 * ```
 */
export function paramFields(actionId: string, ports: PortChoice[]): ParamField[] {
  const portOptions = ports.map((p): [string, string] => [p.spec, p.label]);
  switch (actionId) {
    case "lockdown-access-surface":
      return [{
        name: "ports",
        label: "Ports to deny",
        kind: "ports",
        options: portOptions,
        hint: "The unexpected public ports of the latest snapshot; only these can be denied.",
      }];
    case "block-ip":
      return [
        {
          name: "ip",
          label: "Address or network to block",
          kind: "text",
          required: true,
          maxLength: 49,
          hint: "One IPv4/IPv6 address, or a network no wider than /24 (IPv4) or /64 (IPv6). " +
            "The ban's duration follows the repeat-offender ladder (15 min, 1 h, 24 h, 7 d).",
        },
        {
          name: "allowPrivate",
          label: "Allow a private, CGNAT or link-local address",
          kind: "checkbox",
          hint: "Such addresses are often your own LAN or VPN.",
        },
      ];
    case "quarantine-unexpected-listener":
      return [
        {
          name: "port",
          label: "Listener",
          kind: "select",
          options: portOptions,
          required: true,
          hint: "An unexpected public port of the latest snapshot.",
        },
        {
          name: "method",
          label: "Method",
          kind: "select",
          options: [
            ["auto", "Automatic: stop the unit when one is known, else signal the process"],
            ["systemd", "Stop and disable the systemd unit (reversible)"],
            ["kill", "Signal the process (cannot be undone)"],
          ],
        },
        {
          name: "unit",
          label: "Unit (optional)",
          kind: "text",
          maxLength: 255,
          hint: "A systemd service such as redis-server.service, when the snapshot names none.",
        },
        {
          name: "signal",
          label: "Signal",
          kind: "select",
          options: [["TERM", "TERM (ask to exit)"], ["KILL", "KILL (force)"]],
        },
      ];
    case "harden-ssh-auth":
      return [
        {
          name: "disablePasswordLogin",
          label: "Disable password login",
          kind: "checkbox",
          hint: "Make sure every operator has a working key first.",
        },
        { name: "disableRootLogin", label: "Disable root login", kind: "checkbox" },
        {
          name: "sshUnit",
          label: "SSH service",
          kind: "select",
          options: [
            ["ssh.service", "ssh.service (Debian, Ubuntu)"],
            ["sshd.service", "sshd.service (other distributions)"],
          ],
        },
      ];
    default:
      return readOnlyFields(actionId) ?? [];
  }
}

/** A schema default as a form value: checkboxes `on` or empty, numbers as digits. */
function formValueOf(value: unknown): string {
  if (typeof value === "boolean") return value ? "on" : "";
  return typeof value === "number" || typeof value === "string" ? String(value) : "";
}

/**
 * The values a form starts with: every unexpected port, the first listener, SSH hardening of
 * both kinds, and the catalog's defaults for the read-only actions.
 */
export function defaultValues(actionId: string, ports: PortChoice[]): ParamValues {
  switch (actionId) {
    case "lockdown-access-surface":
      return { ports: ports.map((p) => p.spec).join(",") };
    case "block-ip":
      return { ip: "", allowPrivate: "" };
    case "quarantine-unexpected-listener":
      return { port: ports[0]?.spec ?? "", method: "auto", unit: "", signal: "TERM" };
    case "harden-ssh-auth":
      return { disablePasswordLogin: "on", disableRootLogin: "on", sshUnit: "ssh.service" };
    default: {
      const defaults = schemaDefaults(actionId);
      return Object.fromEntries(
        paramFields(actionId, []).map((f) => [f.name, formValueOf(defaults[f.name])]),
      );
    }
  }
}

const text = (v: FormDataEntryValue | null) => typeof v === "string" ? v.slice(0, 300) : "";

/**
 * The values of an action's fields as submitted (a GET query or a POSTed form). An unchecked
 * checkbox sends nothing, so it reads as off.
 *
 * @example
 * ```ts
 * readValues("lockdown-access-surface", ctx.url.searchParams); // { ports: "tcp:6379" }
 * ```
 */
export function readValues(actionId: string, source: FormSource): ParamValues {
  const values: ParamValues = {};
  for (const field of paramFields(actionId, [])) {
    if (field.kind === "ports") {
      values[field.name] = source.getAll(field.name).map(text).filter(Boolean).slice(0, 50)
        .join(",");
    } else if (field.kind === "checkbox") {
      values[field.name] = source.get(field.name) === null ? "" : "on";
    } else {
      values[field.name] = text(source.get(field.name));
    }
  }
  return values;
}

const list = (v: string | undefined) => (v ?? "").split(",").filter(Boolean);

/** Names or numbers typed into one text field, separated by spaces or commas. */
const words = (v: string | undefined) => (v ?? "").split(/[\s,]+/).filter(Boolean);

/**
 * A typed number as a number; anything else stays text so the action's schema refuses it with
 * the field's name (as the API does), instead of the form guessing.
 */
const numberOrText = (v: string): number | string => /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;

/**
 * Catalog params from form values (the action's zod schema validates them).
 *
 * @example
 * ```ts
 * paramsOf("block-ip", { ip: " 203.0.113.7 ", allowPrivate: "" }); // { ip: "203.0.113.7" }
 * ```
 */
export function paramsOf(actionId: string, values: ParamValues): Record<string, unknown> {
  const on = (name: string) => values[name] === "on";
  switch (actionId) {
    case "lockdown-access-surface":
      return { ports: list(values.ports) };
    case "block-ip":
      return {
        ip: (values.ip ?? "").trim(),
        ...(on("allowPrivate") ? { allowPrivate: true } : {}),
      };
    case "quarantine-unexpected-listener": {
      const unit = (values.unit ?? "").trim();
      return {
        port: values.port ?? "",
        method: values.method || "auto",
        signal: values.signal || "TERM",
        ...(unit ? { unit } : {}),
      };
    }
    case "harden-ssh-auth":
      return {
        disablePasswordLogin: on("disablePasswordLogin"),
        disableRootLogin: on("disableRootLogin"),
        sshUnit: values.sshUnit || "ssh.service",
      };
    case "verify-system-drift": {
      const packages = words(values.packages);
      return {
        ...(packages.length ? { packages } : {}),
        includeDebsums: on("includeDebsums"),
        includeSshdConfig: on("includeSshdConfig"),
      };
    }
    case "collect-forensics-first": {
      // Empty fields are left out: the catalog's defaults (and the snapshot's IOC pids) apply.
      const optional = (name: string) => {
        const v = (values[name] ?? "").trim();
        return v ? { [name]: numberOrText(v) } : {};
      };
      const pids = words(values.pids).map(numberOrText);
      return {
        ...(pids.length ? { pids } : {}),
        ...optional("journalSinceMinutes"),
        ...optional("journalLines"),
      };
    }
    default:
      return {};
  }
}

/** A required field is still empty: there is nothing to preview yet. */
export function missingInput(actionId: string, values: ParamValues): boolean {
  return paramFields(actionId, []).some((f) => f.required && !(values[f.name] ?? "").trim());
}

/**
 * Form values as `name=value` pairs (a `ports` field as one pair per port; unchecked boxes left
 * out), for links, redirects and hidden fields that carry the params to the next form.
 */
export function valueEntries(actionId: string, values: ParamValues): [string, string][] {
  const out: [string, string][] = [];
  for (const field of paramFields(actionId, [])) {
    const value = values[field.name] ?? "";
    if (field.kind === "ports") { for (const spec of list(value)) out.push([field.name, spec]); }
    else if (field.kind === "checkbox") {
      if (value === "on") out.push([field.name, "on"]);
    } else out.push([field.name, value]);
  }
  return out;
}

/**
 * The console URL for an action with these values (`preview=1` asks for the plan).
 *
 * @example
 * ```ts
 * consoleUrl("h_1", { action: "block-ip", values: { ip: "203.0.113.7" }, preview: true });
 * // "/hosts/h_1/remediate?action=block-ip&ip=203.0.113.7&preview=1"
 * ```
 */
export function consoleUrl(
  hostId: string,
  opts: {
    action?: string | null;
    breach?: string | null;
    values?: ParamValues;
    preview?: boolean;
    done?: string;
  } = {},
): string {
  const q = new URLSearchParams();
  if (opts.action) q.set("action", opts.action);
  if (opts.breach) q.set("breach", opts.breach);
  if (opts.action && opts.values) {
    for (const [k, v] of valueEntries(opts.action, opts.values)) q.append(k, v);
  }
  if (opts.preview) q.set("preview", "1");
  if (opts.done) q.set("done", opts.done);
  const query = q.toString();
  return `/hosts/${encodeURIComponent(hostId)}/remediate${query ? `?${query}` : ""}`;
}
