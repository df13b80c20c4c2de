import type { ComponentChildren } from "preact";

/** A column heading: numeric columns are right-aligned; `false` leaves the column out. */
export type TableColumn = string | { label: string; numeric: true } | false;

/**
 * The frame of a console table: a labelled region that keyboards can scroll (wide tables on a
 * phone), a caption for screen readers and one header row; `children` are the body rows. A
 * `false` column is left out, for columns only some viewers get.
 *
 * @example
 * ```tsx
 * <TableFrame label="Endpoints table" id="endpoints" caption="Notification endpoints"
 *   columns={["Name", { label: "Sent", numeric: true }, manage && "Test"]}>
 *   {endpoints.map((e) => <tr key={e.id}>…</tr>)}
 * </TableFrame>
 * ```
 */
export function TableFrame(props: {
  /** The scroll region's accessible name. */
  label: string;
  caption: string;
  columns: readonly TableColumn[];
  id?: string;
  class?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={props.label}>
      <table id={props.id} class={props.class}>
        <caption class="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((column) =>
              column === false
                ? null
                : typeof column === "string"
                ? <th key={column} scope="col">{column}</th>
                : <th key={column.label} scope="col" class="num">{column.label}</th>
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
