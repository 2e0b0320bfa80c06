// What one REST method of the fake does: a read answers at once; a mutation is validated at once
// (GCE rejects bad input synchronously) and applied through an asynchronous operation.
import { alreadyExists, notFound } from './errors.ts';
import type { Location, Resource, Store } from './store.ts';

export interface FakeRequest {
  readonly store: Store;
  readonly loc: Location;
  readonly name: string | undefined;
  readonly body: Record<string, unknown>;
  readonly query: URLSearchParams;
}

export type Outcome =
  | { readonly kind: 'read'; readonly body: unknown }
  | {
      readonly kind: 'mutation';
      readonly targetLink: string;
      readonly operationType: string;
      readonly apply: () => void;
    };

export type Handler = (req: FakeRequest) => Outcome;

export const read = (body: unknown): Outcome => ({ kind: 'read', body });

export function existing(req: FakeRequest, collection: string): Resource {
  const found = req.name === undefined ? undefined : req.store.collection(req.loc, collection).get(req.name);
  if (!found)
    throw notFound(
      `${req.store.selfLink(req.loc, collection, req.name ?? '')}`.replace(/^.*\/projects\//, 'projects/'),
    );
  return found;
}

export function absent(req: FakeRequest, collection: string, name: string): void {
  if (req.store.collection(req.loc, collection).has(name)) {
    throw alreadyExists(
      `projects/${req.loc.project}/${req.loc.kind === 'global' ? 'global' : `${req.loc.kind}/${req.loc.scope}`}/${collection}/${name}`,
    );
  }
}

/** Common fields every stored resource carries. */
export function base(req: FakeRequest, collection: string, kind: string, name: string): Resource {
  const scopeField =
    req.loc.kind === 'regions'
      ? { region: req.store.scopeLink(req.loc) }
      : req.loc.kind === 'zones'
        ? { zone: req.store.scopeLink(req.loc) }
        : {};
  return {
    kind,
    id: req.store.newId(),
    creationTimestamp: new Date().toISOString(),
    name,
    selfLink: req.store.selfLink(req.loc, collection, name),
    ...scopeField,
  };
}

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A field value as text, for messages and comparisons (objects as JSON). */
export function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return `${value}`;
  return JSON.stringify(value);
}
