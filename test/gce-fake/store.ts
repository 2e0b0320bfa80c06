// The fake's state: resources by project/scope/collection, self links, ids, address pools, quotas.
import { quotaExceeded } from './errors.ts';

export const API_BASE = 'https://www.googleapis.com/compute/v1';

export type ScopeKind = 'regions' | 'zones' | 'global';

export interface Location {
  readonly project: string;
  readonly kind: ScopeKind;
  /** Region or zone name; '' for global. */
  readonly scope: string;
}

export type Resource = Record<string, unknown> & { name: string; selfLink: string; id: string };

export interface ParsedLink {
  readonly loc: Location;
  readonly collection: string;
  readonly name: string;
}

export function regionOfZone(zone: string): string {
  return zone.replace(/-[a-z]$/, '');
}

export function locationPath(loc: Location): string {
  return loc.kind === 'global' ? `projects/${loc.project}/global` : `projects/${loc.project}/${loc.kind}/${loc.scope}`;
}

/** Accepts full URLs and partial `projects/...` paths, as GCE does. */
export function parseLink(link: string): ParsedLink | undefined {
  const at = link.indexOf('projects/');
  if (at < 0) return undefined;
  const parts = link.slice(at).split('/');
  if (parts[2] === 'global' && parts.length === 5) {
    return { loc: { project: parts[1]!, kind: 'global', scope: '' }, collection: parts[3]!, name: parts[4]! };
  }
  if ((parts[2] === 'regions' || parts[2] === 'zones') && parts.length === 6) {
    return { loc: { project: parts[1]!, kind: parts[2], scope: parts[3]! }, collection: parts[4]!, name: parts[5]! };
  }
  return undefined;
}

export class Store {
  readonly #collections = new Map<string, Map<string, Resource>>();
  /** Per-region (or zone) limits by collection, e.g. forwardingRules → 5. */
  readonly quotas = new Map<string, number>();
  /** Unmanaged instance-group membership: group self link → instance self links. */
  readonly members = new Map<string, Set<string>>();
  #nextId = 1_000_000;
  #nextExternal = 0;
  #nextInternal = 0;

  reset(): void {
    this.#collections.clear();
    this.quotas.clear();
    this.members.clear();
    this.#nextExternal = 0;
    this.#nextInternal = 0;
  }

  collection(loc: Location, collection: string): Map<string, Resource> {
    const key = `${locationPath(loc)}/${collection}`;
    let map = this.#collections.get(key);
    if (!map) {
      map = new Map();
      this.#collections.set(key, map);
    }
    return map;
  }

  selfLink(loc: Location, collection: string, name: string): string {
    return `${API_BASE}/${locationPath(loc)}/${collection}/${name}`;
  }

  scopeLink(loc: Location): string {
    return `${API_BASE}/${locationPath(loc)}`;
  }

  lookup(link: string): Resource | undefined {
    const parsed = parseLink(link);
    return parsed ? this.collection(parsed.loc, parsed.collection).get(parsed.name) : undefined;
  }

  /** Every resource of a collection in one project, across scopes. */
  *all(project: string, collection: string): Iterable<Resource> {
    const suffix = `/${collection}`;
    for (const [key, map] of this.#collections) {
      if (key.startsWith(`projects/${project}/`) && key.endsWith(suffix)) yield* map.values();
    }
  }

  /**
   * Everything the fake holds, as copies keyed by self-link path (`projects/p/regions/r/addresses/a`)
   * plus `members:<group path>` for instance-group membership: for tests that check "nothing left"
   * by comparing whole snapshots rather than what carries their mark.
   */
  snapshot(): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const [key, map] of this.#collections)
      for (const [name, resource] of map) out.set(`${key}/${name}`, structuredClone(resource));
    for (const [group, instances] of this.members)
      if (instances.size > 0) out.set(`members:${group.slice(API_BASE.length + 1)}`, [...instances].sort());
    return out;
  }

  newId(): string {
    this.#nextId += 1;
    return String(this.#nextId);
  }

  checkQuota(loc: Location, collection: string): void {
    const limit = this.quotas.get(collection);
    if (limit !== undefined && this.collection(loc, collection).size >= limit) {
      throw quotaExceeded(collection.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase(), limit);
    }
  }

  /** External addresses from 34.0.0.0/8, internal from 10.128.0.0/9: room for any benchmark. */
  allocate(kind: 'EXTERNAL' | 'INTERNAL', inUse: (ip: string) => boolean): string {
    for (;;) {
      const n = kind === 'EXTERNAL' ? ++this.#nextExternal : ++this.#nextInternal;
      const ip =
        kind === 'EXTERNAL'
          ? `34.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`
          : `10.${128 + ((n >> 16) & 127)}.${(n >> 8) & 255}.${n & 255}`;
      if ((n & 255) !== 0 && (n & 255) !== 255 && !inUse(ip)) return ip;
    }
  }
}
