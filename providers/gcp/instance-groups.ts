// The cluster's per-zone unmanaged instance groups, shared by all its load balancers. Membership
// is reconciled from the targets of whichever Service is being ensured; a verified membership is
// remembered for a while, so the next Service with the same targets makes no instance-group call.
import { ProviderError } from '../../src/provider/errors/index.ts';
import type { ComputeApi } from './api/compute.ts';
import {
  changeMembers,
  deleteGroup,
  findGroup,
  insertGroup,
  instanceNames,
  listMembers,
} from './api/instance-groups.ts';
import { errorKind } from './errors.ts';
import { instanceGroupName } from './names.ts';
import { describeCluster, ownedByCluster } from './ownership.ts';

interface Verified {
  /** The instances asked for; the group holds those of them that exist. */
  readonly members: ReadonlySet<string>;
  /** Asked for but absent from the zone: addInstances would refuse them. */
  readonly missing: readonly string[];
  readonly at: number;
}

export interface InstanceGroupOptions {
  readonly clusterName: string;
  /** How long a verified membership is trusted without reading it again. */
  readonly verifiedTtlMs: number;
  readonly now?: () => number;
}

function sameMembers(a: ReadonlySet<string>, b: readonly string[]): boolean {
  return a.size === b.length && b.every((x) => a.has(x));
}

export class InstanceGroups {
  readonly #api: ComputeApi;
  readonly #options: InstanceGroupOptions;
  readonly #verified = new Map<string, Verified>();
  readonly #known = new Set<string>();
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly name: string;

  constructor(api: ComputeApi, options: InstanceGroupOptions) {
    this.#api = api;
    this.#options = options;
    this.name = instanceGroupName(options.clusterName);
  }

  link(zone: string): string {
    return `projects/${this.#api.config.project}/zones/${zone}/instanceGroups/${this.name}`;
  }

  instanceLink(zone: string, instance: string): string {
    return `projects/${this.#api.config.project}/zones/${zone}/instances/${instance}`;
  }

  /** Zones whose group this instance has created, verified or been asked about. */
  knownZones(): readonly string[] {
    return [...this.#known];
  }

  forget(zone?: string): void {
    if (zone === undefined) this.#verified.clear();
    else this.#verified.delete(zone);
  }

  /** Makes each zone's group hold exactly `instances`. Resolves to true when it wrote. */
  async ensure(zones: ReadonlyMap<string, readonly string[]>, signal: AbortSignal): Promise<boolean> {
    const results = await Promise.all(
      [...zones].map(([zone, instances]) => this.#serial(zone, () => this.#ensureZone(zone, instances, signal))),
    );
    return results.some(Boolean);
  }

  /**
   * The instances of `zones` that the last ensure found missing (addInstances refuses the whole
   * call for one of them, so they were left out and the rest added), as zone → names.
   */
  missing(zones: ReadonlyMap<string, readonly string[]>): Map<string, readonly string[]> {
    const found = new Map<string, readonly string[]>();
    for (const zone of zones.keys()) {
      const missing = this.#verified.get(zone)?.missing ?? [];
      if (missing.length > 0) found.set(zone, missing);
    }
    return found;
  }

  /** Deletes the zone's group when no backend service uses it; keeps it (and succeeds) when one does. */
  async deleteIfUnused(zone: string, signal: AbortSignal): Promise<boolean> {
    return this.#serial(zone, async () => {
      const group = await findGroup(this.#api, zone, this.name, signal);
      if (!group || !ownedByCluster(group.description, this.#options.clusterName)) {
        this.#known.delete(zone);
        return false;
      }
      this.forget(zone);
      try {
        await deleteGroup(this.#api, zone, this.name, signal);
        this.#known.delete(zone);
        return true;
      } catch (error) {
        const kind = errorKind(error);
        if (kind === 'inUse') return false;
        if (kind === 'notFound') {
          this.#known.delete(zone);
          return false;
        }
        throw error;
      }
    });
  }

  async #serial<T>(zone: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(zone) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.#locks.set(zone, tail);
    try {
      return await next;
    } finally {
      if (this.#locks.get(zone) === tail) this.#locks.delete(zone);
    }
  }

  async #ensureZone(zone: string, instances: readonly string[], signal: AbortSignal): Promise<boolean> {
    this.#known.add(zone);
    const now = this.#options.now ?? Date.now;
    const verified = this.#verified.get(zone);
    if (verified && now() - verified.at < this.#options.verifiedTtlMs && sameMembers(verified.members, instances))
      return false;
    const api = this.#api;
    let wrote = false;
    const group = await findGroup(api, zone, this.name, signal);
    if (group && !ownedByCluster(group.description, this.#options.clusterName)) {
      throw new ProviderError(`instance group ${zone}/${this.name} exists and is not owned by this cluster`, {
        operation: 'compute:instanceGroups.get',
        code: 'NOT_OWNED',
      });
    }
    if (!group) {
      await insertGroup(api, zone, this.name, describeCluster(this.#options.clusterName), signal);
      wrote = true;
    }
    const have = new Set(wrote ? [] : await listMembers(api, zone, this.name, signal));
    const want = new Set(instances);
    const add = instances.filter((i) => !have.has(i));
    const remove = [...have].filter((i) => !want.has(i));
    const links = (names: readonly string[]): string[] => names.map((i) => this.instanceLink(zone, i));
    if (remove.length > 0) {
      await changeMembers(api, zone, this.name, 'remove', links(remove), signal);
      wrote = true;
    }
    let missing: string[] = [];
    if (add.length > 0) {
      const added = await this.#add(zone, add, signal);
      missing = added.missing;
      if (added.wrote) wrote = true;
    }
    this.#verified.set(zone, { members: want, missing, at: now() });
    return wrote;
  }

  /** addInstances; when it finds an instance missing, the ones that exist are added without it. */
  async #add(
    zone: string,
    add: readonly string[],
    signal: AbortSignal,
  ): Promise<{ wrote: boolean; missing: string[] }> {
    const links = (names: readonly string[]): string[] => names.map((i) => this.instanceLink(zone, i));
    try {
      await changeMembers(this.#api, zone, this.name, 'add', links(add), signal);
      return { wrote: true, missing: [] };
    } catch (error) {
      if (errorKind(error) !== 'notFound') throw error;
      const existing = await instanceNames(this.#api, zone, signal);
      const missing = add.filter((i) => !existing.has(i));
      // Every instance exists: what was not found is something else (the group), so the error stands.
      if (missing.length === 0) throw error;
      const rest = add.filter((i) => existing.has(i));
      if (rest.length > 0) await changeMembers(this.#api, zone, this.name, 'add', links(rest), signal);
      return { wrote: rest.length > 0, missing };
    }
  }
}

/** The zone of an instance group link, as a backend service lists its backends. */
export function zoneOfGroup(link: string | null | undefined): string | undefined {
  return /\/zones\/([^/]+)\/instanceGroups\//.exec(link ?? '')?.[1];
}
