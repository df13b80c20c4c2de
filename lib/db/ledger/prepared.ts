/**
 * Statements built and compiled by Kysely once per dialect, then run with new parameters.
 *
 * Kysely builds an operation-node tree, freezes it and compiles it to SQL for every execution:
 * on the ingest path (a dozen statements per status push) that was 8-10 % of the server's CPU.
 * A {@link prepared} statement is built once per dialect with named placeholders, and each run
 * only fills the parameter array and hands `{ sql, parameters }` to the driver (which, on
 * SQLite, also reuses its prepared statement for the same SQL text). Both dialects compile the
 * same builder, so the SQL stays dialect-neutral.
 *
 * Placeholders must reach the compiled query as parameters: a value Kysely would inline or
 * that changes the SQL text (an `in` list's length, `is null`) cannot be a placeholder; build
 * one statement per variant instead (see {@link preparedInsert} for multi-row inserts). A
 * placeholder that does not show up among the parameters is an error at first use.
 *
 * Templates are kept per dialect adapter (one per opened ledger, shared by its transactions).
 * Kysely query plugins would not see these statements; the ledger uses none.
 *
 * @module
 */

import type { Compilable, CompiledQuery, DialectAdapter, Kysely, QueryResult } from "kysely";
import type { Ledger } from "./mod.ts";
import type { LedgerSchema } from "./schema.ts";

/** What a statement runs on: the ledger or a transaction's `tx`. */
export type PreparedTarget = Pick<Ledger, "db">;

/** Stands for the argument `name` while a statement is built (typed as that argument). */
export type Placeholder<Args> = <K extends keyof Args & string>(name: K) => Args[K];

/** A statement compiled once per dialect; call it with the arguments of one execution. */
export type PreparedStatement<Args, Row> = (
  target: PreparedTarget,
  args: Args,
) => Promise<QueryResult<Row>>;

/** One parameter of a compiled statement: an argument's name, or a constant of the builder. */
type Slot = { arg: string } | { value: unknown };

interface Template {
  compiled: CompiledQuery;
  slots: Slot[];
}

/** No payload or identifier contains NUL (Postgres text cannot): safe as a placeholder mark. */
const MARK = "\u0000prepared:";

function templateOf(
  db: Kysely<LedgerSchema>,
  build: (db: Kysely<LedgerSchema>, p: (name: string) => unknown) => Compilable<unknown>,
): Template {
  const used = new Set<string>();
  const compiled = build(db, (name) => {
    used.add(name);
    return MARK + name;
  }).compile();
  if (compiled.sql.includes("\u0000")) {
    throw new Error(`prepared statement inlined a placeholder: ${compiled.sql}`);
  }
  const slots: Slot[] = compiled.parameters.map((value) =>
    typeof value === "string" && value.startsWith(MARK)
      ? { arg: value.slice(MARK.length) }
      : { value }
  );
  for (const name of used) {
    if (!slots.some((s) => "arg" in s && s.arg === name)) {
      throw new Error(`prepared statement lost the placeholder "${name}": ${compiled.sql}`);
    }
  }
  return { compiled, slots };
}

function execute<Row>(
  target: PreparedTarget,
  compiled: CompiledQuery,
  parameters: unknown[],
): Promise<QueryResult<Row>> {
  return target.db.executeQuery<Row>({
    sql: compiled.sql,
    query: compiled.query,
    queryId: compiled.queryId,
    parameters,
  });
}

/**
 * A statement built with named placeholders, compiled on first use per dialect.
 *
 * @example
 * ```ts
 * const hostById = prepared<{ id: string }, Selectable<HostsTable>>((db, p) =>
 *   db.selectFrom("hosts").selectAll().where("id", "=", p("id"))
 * );
 * const { rows } = await hostById(ledger, { id: hostId });
 * ```
 */
export function prepared<Args extends Record<string, unknown>, Row>(
  build: (db: Kysely<LedgerSchema>, p: Placeholder<Args>) => Compilable<Row>,
): PreparedStatement<Args, Row> {
  const templates = new WeakMap<DialectAdapter, Template>();
  // async: a statement that cannot be prepared rejects like one that fails to run.
  return async (target, args) => {
    const adapter = target.db.getExecutor().adapter;
    let template = templates.get(adapter);
    if (!template) {
      template = templateOf(target.db, build as Parameters<typeof templateOf>[1]);
      templates.set(adapter, template);
    }
    const { slots } = template;
    const parameters = new Array<unknown>(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      parameters[i] = "arg" in slot ? args[slot.arg] : slot.value;
    }
    return await execute<Row>(target, template.compiled, parameters);
  };
}

/**
 * A {@link prepared} statement over a list of values (an `in (…)` list): one compiled statement
 * per list length, lists longer than `maxItems` run in chunks (so results of reads concatenate;
 * use it for statements where running per chunk means the same as running once).
 *
 * @example
 * ```ts
 * const touch = preparedList<{ ts: Date }, never>(64, (db, p, ids) =>
 *   db.updateTable("breaches").set({ checked_at: p("ts") }).where("id", "in", ids)
 * );
 * await touch(tx, { ts }, breachIds);
 * ```
 */
export function preparedList<Args extends Record<string, unknown>, Row>(
  maxItems: number,
  build: (db: Kysely<LedgerSchema>, p: Placeholder<Args>, items: string[]) => Compilable<Row>,
): (target: PreparedTarget, args: Args, items: readonly unknown[]) => Promise<Row[]> {
  const byLength = new Map<number, PreparedStatement<Record<string, unknown>, Row>>();
  const statement = (length: number) => {
    let found = byLength.get(length);
    if (!found) {
      found = prepared<Record<string, unknown>, Row>((db, p) =>
        build(db, p as Placeholder<Args>, Array.from({ length }, (_, i) => p(`#${i}`) as string))
      );
      byLength.set(length, found);
    }
    return found;
  };
  return async (target, args, items) => {
    const rows: Row[] = [];
    for (let start = 0; start < items.length; start += maxItems) {
      const chunk = items.slice(start, start + maxItems);
      const all: Record<string, unknown> = { ...args };
      chunk.forEach((item, i) => all[`#${i}`] = item);
      rows.push(...(await statement(chunk.length)(target, all)).rows);
    }
    return rows;
  };
}

/**
 * A multi-row `insert into table (columns) values (…), (…)`, compiled once per dialect and row
 * count (so at most `maxRows` shapes per ledger); rows are bound column by column. Every row
 * must have every column (null, never undefined).
 *
 * @example
 * ```ts
 * const insertSignals = preparedInsert("signals", SIGNAL_COLUMNS, 200);
 * await insertSignals(tx, rows);
 * ```
 */
export function preparedInsert<
  T extends keyof LedgerSchema & string,
  C extends keyof LedgerSchema[T] & string,
>(
  table: T,
  columns: readonly C[],
  maxRows: number,
): (target: PreparedTarget, rows: ReadonlyArray<Record<C, unknown>>) => Promise<void> {
  const templates = new WeakMap<DialectAdapter, Map<number, CompiledQuery>>();
  return async (target, rows) => {
    const adapter = target.db.getExecutor().adapter;
    let byCount = templates.get(adapter);
    if (!byCount) templates.set(adapter, byCount = new Map());
    for (let start = 0; start < rows.length; start += maxRows) {
      const batch = rows.slice(start, start + maxRows);
      let compiled = byCount.get(batch.length);
      if (!compiled) {
        compiled = compileInsert(target.db, table, columns, batch.length);
        byCount.set(batch.length, compiled);
      }
      const parameters = new Array<unknown>(batch.length * columns.length);
      let i = 0;
      for (const row of batch) {
        for (const column of columns) parameters[i++] = row[column];
      }
      await execute(target, compiled, parameters);
    }
  };
}

/** Compiles the insert with placeholders and checks they are bound row by row, in order. */
function compileInsert(
  db: Kysely<LedgerSchema>,
  table: string,
  columns: readonly string[],
  count: number,
): CompiledQuery {
  const marks = Array.from(
    { length: count },
    (_, r) => Object.fromEntries(columns.map((c) => [c, `${MARK}${r}:${c}`])),
  );
  // The table and columns come from the typed signature; the builder sees plain records.
  const compiled = (db as unknown as Kysely<Record<string, Record<string, unknown>>>)
    .insertInto(table).values(marks).compile();
  const expected = marks.flatMap((row) => columns.map((c) => row[c]));
  if (
    compiled.parameters.length !== expected.length ||
    compiled.parameters.some((value, i) => value !== expected[i])
  ) {
    throw new Error(`prepared insert binds in an unexpected order: ${compiled.sql}`);
  }
  return compiled;
}
