// The cluster's per-zone unmanaged instance groups, shared by all its load balancers. Membership
// is reconciled from the targets of whichever Service is being ensured; a verified membership is
// remembered for a while, so the next Service with the same targets makes no instance-group call.
import { ProviderError } from '../../src/provider/errors/index.ts';
import type { ComputeApi } from './api/compute.ts';
import { changeMembers, deleteGroup, findGroup, insertGroup, listMembers } from './api/instance-groups.ts';
import { errorKind } from './errors.ts';
import { instanceGroupName } from './names.ts';
import { describeCluster, ownedByCluster } from './ownership.ts';

interface Verified {
  readonly members: ReadonlySet<string>;
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
    if (add.length > 0) {
      await changeMembers(api, zone, this.name, 'add', links(add), signal);
      wrote = true;
    }
    this.#verified.set(zone, { members: want, at: now() });
    return wrote;
  }
}

/** The zone of an instance group link, as a backend service lists its backends. */
export function zoneOfGroup(link: string | null | undefined): string | undefined {
  return /\/zones\/([^/]+)\/instanceGroups\//.exec(link ?? '')?.[1];
}
