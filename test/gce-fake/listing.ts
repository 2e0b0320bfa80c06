// List responses: GCE's filter expressions (the subset the provider sends) and page tokens.
import { invalid } from './errors.ts';
import { text } from './handler.ts';
import type { Resource } from './store.ts';

type Clause = { readonly path: readonly string[]; readonly negate: boolean; readonly value: string };

/** Clauses joined by AND, or by OR (not both). */
export interface Filter {
  readonly any: boolean;
  readonly clauses: readonly Clause[];
}

/**
 * Parses `name = "a"`, `labels.k = "v"`, `address = "1.2.3.4"`, joined with AND or written as
 * `(a = "x") (b = "y")`. Anything else is rejected, so the provider cannot rely on a filter the
 * fake silently ignores.
 */
export function parseFilter(filter: string): Filter {
  const text = filter.trim();
  if (text === '') return { any: false, clauses: [] };
  const any = /\)\s*OR\s*\(/i.test(text);
  if (any && /\)\s*AND\s*\(|\)\s+\(/i.test(text)) throw invalid('filter', 'the fake does not mix AND and OR.');
  const pieces = any
    ? text.split(/\)\s*OR\s*\(/i)
    : text.includes(')')
      ? text.split(/\)\s*(?:AND\s*)?\(/i)
      : text.split(/\s+AND\s+/i);
  const clauses = pieces.map((piece) => {
    const m = /^\(?\s*([A-Za-z][A-Za-z0-9_.-]*)\s*(=|!=)\s*"?([^"()]*)"?\s*\)?$/.exec(piece.trim());
    if (!m) throw invalid('filter', `the fake does not understand '${piece}'.`);
    return { path: m[1]!.split('.'), negate: m[2] === '!=', value: m[3]! };
  });
  return { any, clauses };
}

function valueAt(resource: Resource, path: readonly string[]): unknown {
  let current: unknown = resource;
  for (const key of path)
    current = current && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
  return current;
}

export function matches(resource: Resource, filter: Filter): boolean {
  const test = (c: Clause): boolean => (text(valueAt(resource, c.path)) === c.value) !== c.negate;
  return filter.any ? filter.clauses.some(test) : filter.clauses.every(test);
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
