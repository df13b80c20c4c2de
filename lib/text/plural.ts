/**
 * Counts in words: "1 delivery", "3 deliveries" — never "delivery(ies)".
 *
 * @module
 */

/**
 * A count with its noun, singular or plural (`many` defaults to `one` + "s").
 *
 * @example
 * ```ts
 * counted(1, "delivery", "deliveries"); // "1 delivery"
 * counted(3, "delivery", "deliveries"); // "3 deliveries"
 * counted(2, "signal"); // "2 signals"
 * ```
 */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
