/**
 * The fleet list pages filtered by host (timeline, breaches): refill the filters from the query
 * string, resolve the host filter inside the organization, load one page, and on a bad filter
 * re-render with the error on its field (400) instead of failing the page.
 */
import { type FreshContext, HttpError, page, type PageResponse } from "../fresh/mod.ts";
import type { State } from "../state.ts";
import type { Services } from "../services.ts";
import { authOf } from "../auth/http.ts";
import { hostOr404 } from "../hosts/admin.ts";
import { type FieldErrors, formProblem, queryValues } from "./forms.ts";
import { hostNames, hostOptions } from "./host_names.ts";
import type { Severity } from "../signals/types.ts";

/** What a host-filtered list page renders. */
export interface FilteredListData<Row> {
  values: Record<string, string>;
  hosts: [string, string][];
  rows: Row[];
  /** The next (older) page, with the same filters. */
  nextHref: string | null;
  /** True past the first page (the page title says "older"). */
  paged: boolean;
  errors: FieldErrors;
  message?: string;
}

/** One loaded page: rows (still with host ids) and the next page's link. */
export interface LoadedPage<T> {
  items: T[];
  hostIdOf: (item: T) => string;
  nextHref: (values: Record<string, string>) => string | null;
}

/**
 * Loads one page of a host-filtered list.
 *
 * @example
 * ```ts
 * return await filteredListPage(ctx, {
 *   kept: KEPT, cursorParam: "before",
 *   load: async (hostId) => { … return { items, hostIdOf: (e) => e.hostId, nextHref } },
 *   toRow: (e, hostName) => ({ …e, hostName }),
 * });
 * ```
 */
export async function filteredListPage<T, Row>(
  ctx: FreshContext<State>,
  opts: {
    kept: readonly string[];
    cursorParam: string;
    load: (hostId: string | undefined, services: Services, orgId: string) => Promise<LoadedPage<T>>;
    toRow: (item: T, hostName: string) => Row;
  },
): Promise<PageResponse<FilteredListData<Row>>> {
  const orgId = authOf(ctx).org!.id;
  const { services } = ctx.state;
  const values = queryValues(ctx.url, opts.kept);
  const hosts = await hostOptions(services, orgId);
  const base = { values, hosts, paged: ctx.url.searchParams.has(opts.cursorParam) };
  try {
    const host = values.host ? await hostOr404(services, orgId, values.host) : undefined;
    const loaded = await opts.load(host?.id, services, orgId);
    const names = await hostNames(services, orgId, loaded.items.map(loaded.hostIdOf));
    return page<FilteredListData<Row>>({
      ...base,
      errors: {},
      rows: loaded.items.map((item) => {
        const hostId = loaded.hostIdOf(item);
        return opts.toRow(item, names.get(hostId)?.name ?? hostId);
      }),
      nextHref: loaded.nextHref(values),
    });
  } catch (error) {
    if (!(error instanceof HttpError) || (error.status !== 400 && error.status !== 404)) {
      throw error;
    }
    const problem = error.status === 404
      ? { status: 400, errors: { host: "not a host of this organization" } }
      : formProblem(error);
    return page<FilteredListData<Row>>({ ...base, ...problem, rows: [], nextHref: null }, {
      status: 400,
    });
  }
}

/** The columns every host-filtered list shows for an item. */
export interface HostItemRow {
  id: string;
  hostId: string;
  hostName: string;
  severity: Severity;
  code: string;
  title: string;
}

/**
 * The shared columns of an item (signal, breach) and its host's display name.
 *
 * @example
 * ```ts
 * toRow: (b, hostName) => ({ ...hostItemRow(b, hostName), state: b.state }),
 * ```
 */
export function hostItemRow(
  item: { id: string; hostId: string; severity: Severity; code: string; title: string },
  hostName: string,
): HostItemRow {
  return {
    id: item.id,
    hostId: item.hostId,
    hostName,
    severity: item.severity,
    code: item.code,
    title: item.title,
  };
}
