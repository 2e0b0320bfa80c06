// List responses: filtered (filter.ts), sorted by name, paged with page tokens.
import { parseFilter, type Filter } from './filter.ts';
import { text } from './handler.ts';
import type { Resource } from './store.ts';

function valueAt(resource: Resource, path: readonly string[]): unknown {
  let current: unknown = resource;
  for (const key of path)
    current = current && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
  return current;
}

export function matches(resource: Resource, filter: Filter): boolean {
  const holds = (c: Filter['clauses'][number]): boolean => c.test(text(valueAt(resource, c.path))) !== c.negate;
  return filter.any ? filter.clauses.some(holds) : filter.clauses.every(holds);
}

export function page<T>(items: readonly T[], query: URLSearchParams): { items: T[]; nextPageToken?: string } {
  const max = Math.min(Number(query.get('maxResults') ?? 500) || 500, 500);
  const start = Number(query.get('pageToken') ?? 0) || 0;
  const slice = items.slice(start, start + max);
  return start + max < items.length ? { items: slice, nextPageToken: String(start + max) } : { items: slice };
}

/** `decorate` adds computed fields (users, size) to what is returned, after filtering and paging. */
export function listBody(
  kind: string,
  selfLink: string,
  resources: Iterable<Resource>,
  query: URLSearchParams,
  decorate: (r: Resource) => Resource = (r) => r,
): unknown {
  const filter = parseFilter(query.get('filter') ?? '');
  const sorted = [...resources].filter((r) => matches(r, filter)).sort((a, b) => a.name.localeCompare(b.name));
  const { items, ...rest } = page(sorted, query);
  return { kind, id: selfLink, selfLink, items: items.map(decorate), ...rest };
}
