import { withQuery } from "@/lib/ui/navigation.ts";

/**
 * Cursor paging under a list: Newest (back to the first page, same filters) once past it, and
 * Older when there is a next page.
 *
 * @example
 * ```tsx
 * <ListPager path="/breaches" values={data.values} paged={data.paged} nextHref={data.nextHref} />
 * ```
 */
export function ListPager(props: {
  /** The list page, without a query string. */
  path: string;
  /** The filters (and page size) the Newest link keeps. */
  values: Record<string, string>;
  paged: boolean;
  nextHref: string | null;
}) {
  return (
    <nav class="pager" aria-label="Pages">
      {props.paged && <a href={withQuery(props.path, props.values)}>Newest</a>}
      {props.nextHref && <a href={props.nextHref} rel="next">Older</a>}
    </nav>
  );
}
