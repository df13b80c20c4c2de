/**
 * Small, defensive readers for snapshot members. The shape check only guarantees the types of a
 * few top-level members; everything below them may be anything, so signal builders read through
 * these and never trust a nested type.
 */
import type { Severity, Signal, SignalSource } from "./types.ts";

/** Signal details are clipped to this many characters. */
export const MAX_DETAIL = 2_000;
/** Titles are clipped to this many characters. */
export const MAX_TITLE = 200;

export type Obj = Record<string, unknown>;

/** `v` when it is a plain JSON object, else `null`. */
export function obj(v: unknown): Obj | null {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v as Obj : null;
}

/** `v` when it is an array, else `[]`. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The object elements of an array member. */
export function objects(v: unknown): Obj[] {
  return arr(v).map(obj).filter((o): o is Obj => o !== null);
}

/** `v` when it is a string, else `""`. */
export function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** `v` when it is a finite number, else `null`. */
export function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** A non-negative count (`0` for anything else). */
export function count(v: unknown): number {
  const n = num(v);
  return n !== null && n > 0 ? n : 0;
}

/** The string elements of an array member. */
export function strings(v: unknown): string[] {
  return arr(v).filter((s): s is string => typeof s === "string");
}

/** Cuts `text` to `max` characters, ending a cut text in `…` like the agent does. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A snake_case code from free text (`"Disk full!"` → `disk_full`); a short hash when nothing
 * ASCII survives, so distinct titles keep distinct codes.
 *
 * @example
 * ```ts
 * snakeCode("Packages changed") // "packages_changed"
 * ```
 */
export function snakeCode(text: string, max = 60): string {
  const slug = text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, max)
    .replace(/_+$/, "");
  return slug || (text ? `h${fnv1a(text)}` : "untitled");
}

/** 32-bit FNV-1a as 8 hex digits: a cheap, synchronous, stable label (not a security hash). */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** Fields every builder sets; the shared ones (`ts`) are filled in by `makeSignal`. */
export interface SignalInit {
  code: string;
  severity: Severity;
  title: string;
  detail: string;
  source: SignalSource;
  fingerprint: string;
  evidence?: Record<string, unknown>;
  mitre?: string[];
}

/** A signal with its title and detail clipped and empty optional members left out. */
export function makeSignal(ts: string, init: SignalInit): Signal {
  const signal: Signal = {
    code: init.code,
    severity: init.severity,
    title: clip(init.title, MAX_TITLE),
    detail: clip(init.detail, MAX_DETAIL),
    ts,
    source: init.source,
    fingerprint: init.fingerprint,
  };
  if (init.evidence && Object.keys(init.evidence).length > 0) signal.evidence = init.evidence;
  if (init.mitre && init.mitre.length > 0) signal.mitre = [...new Set(init.mitre)].sort();
  return signal;
}
