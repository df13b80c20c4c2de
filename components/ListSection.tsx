import type { ComponentChildren } from "preact";
import { ListPager } from "./ListPager.tsx";

/** The page of a filtered, cursor-paged list, as the list pages hold it. */
export interface ListPageState {
  values: Record<string, string>;
  rows: readonly unknown[];
  /** True past the first page. */
  paged: boolean;
  nextHref: string | null;
}

/**
 * The card that holds a list page's results: its heading ("older …" past the first page), the
 * table or an empty state, and the pager. When filters or paging leave nothing, the empty state
 * offers the whole list; otherwise it shows `emptyText`, which says why there is nothing yet.
 *
 * @example
 * ```tsx
 * <ListSection
 *   list={data} path="/breaches" filterNames={FILTERS} noun="breach"
 *   titleId="breaches-title" title="Breaches" olderTitle="Older breaches"
 *   emptyText="No breach recorded."
 * >
 *   <BreachLedger rows={data.rows} />
 * </ListSection>
 * ```
 */
export function ListSection(props: {
  list: ListPageState;
  /** The list page, without a query string. */
  path: string;
  /** Query fields that filter; any of them set means the empty state is the filters' doing. */
  filterNames: readonly string[];
  /** One item, for "No breach matches these filters. Show every breach." */
  noun: string;
  titleId: string;
  title: string;
  olderTitle: string;
  emptyText: ComponentChildren;
  /** Shown between the heading and the rows (a chart, a note). */
  intro?: ComponentChildren;
  /** The table, rendered only when there are rows. */
  children: ComponentChildren;
}) {
  const { list, path, noun } = props;
  const filtered = props.filterNames.some((name) => list.values[name]);
  return (
    <section class="card" aria-labelledby={props.titleId}>
      <h2 id={props.titleId}>{list.paged ? props.olderTitle : props.title}</h2>
      {props.intro}
      {list.rows.length === 0
        ? (
          <p class="empty">
            {filtered || list.paged
              ? (
                <>
                  {`No ${noun} matches these filters. `}
                  <a href={path}>{`Show every ${noun}`}</a>.
                </>
              )
              : props.emptyText}
          </p>
        )
        : props.children}
      <ListPager path={path} values={list.values} paged={list.paged} nextHref={list.nextHref} />
    </section>
  );
}
