// The cluster's per-zone unmanaged instance groups, shared by all its load balancers. Membership
// is reconciled from the targets of whichever Service is being ensured; a verified membership is
// remembered for a while, so the next Service with the same targets makes no instance-group call.
import type { protos } from '@google-cloud/compute';
import { ProviderError } from '../../src/provider/errors/index.ts';
import type { ComputeApi } from './api/compute.ts';
import { errorKind } from './errors.ts';
import { instanceGroupName } from './names.ts';
import { describeCluster, ownedByCluster } from './ownership.ts';

type InstanceGroup = protos.google.cloud.compute.v1.IInstanceGroup;
type InstanceWithNamedPorts = protos.google.cloud.compute.v1.IInstanceWithNamedPorts;
type ListGroupsRequest = protos.google.cloud.compute.v1.IListInstanceGroupsRequest;
type ListInstancesRequest = protos.google.cloud.compute.v1.IListInstancesInstanceGroupsRequest;

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
      const { project } = this.#api.config;
      const group = await this.#get(zone, signal);
      if (!group || !ownedByCluster(group.description, this.#options.clusterName)) {
        this.#known.delete(zone);
        return false;
      }
      this.forget(zone);
      try {
        await this.#api.mutate(
          'instanceGroups.delete',
          this.name,
          { kind: 'zone', zone },
          (o) => this.#api.instanceGroups.delete({ project, zone, instanceGroup: this.name }, o),
          signal,
        );
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

  /** By list + name filter: a missing group is an empty page rather than a (costly) 404. */
  async #get(zone: string, signal: AbortSignal): Promise<InstanceGroup | undefined> {
    const { project } = this.#api.config;
    const found = await this.#api.list<InstanceGroup, ListGroupsRequest>(
      'instanceGroups.list',
      { project, zone, filter: `name = "${this.name}"` },
      (r, o) => this.#api.instanceGroups.list(r, o),
      signal,
    );
    return found[0];
  }

  async #ensureZone(zone: string, instances: readonly string[], signal: AbortSignal): Promise<boolean> {
    this.#known.add(zone);
    const now = this.#options.now ?? Date.now;
    const verified = this.#verified.get(zone);
    if (verified && now() - verified.at < this.#options.verifiedTtlMs && sameMembers(verified.members, instances))
      return false;
    const { project, network } = this.#api.config;
    const api = this.#api;
    let wrote = false;
    const group = await this.#get(zone, signal);
    if (group && !ownedByCluster(group.description, this.#options.clusterName)) {
      throw new ProviderError(`instance group ${zone}/${this.name} exists and is not owned by this cluster`, {
        operation: 'compute:instanceGroups.get',
        code: 'NOT_OWNED',
      });
    }
    if (!group) {
      await api.mutate(
        'instanceGroups.insert',
        this.name,
        { kind: 'zone', zone },
        (o) =>
          api.instanceGroups.insert(
            {
              project,
              zone,
              instanceGroupResource: {
                name: this.name,
                network,
                description: describeCluster(this.#options.clusterName),
              },
            },
            o,
          ),
        signal,
      );
      wrote = true;
    }
    const current = wrote
      ? []
      : await api.list<InstanceWithNamedPorts, ListInstancesRequest>(
          'instanceGroups.listInstances',
          {
            project,
            zone,
            instanceGroup: this.name,
            instanceGroupsListInstancesRequestResource: { instanceState: 'ALL' },
          },
          (r, o) => api.instanceGroups.listInstances(r, o),
          signal,
        );
    const have = new Set(current.map((i) => (i.instance ?? '').slice((i.instance ?? '').lastIndexOf('/') + 1)));
    const want = new Set(instances);
    const add = instances.filter((i) => !have.has(i));
    const remove = [...have].filter((i) => !want.has(i));
    if (remove.length > 0) {
      await api.mutate(
        'instanceGroups.removeInstances',
        this.name,
        { kind: 'zone', zone },
        (o) =>
          api.instanceGroups.removeInstances(
            {
              project,
              zone,
              instanceGroup: this.name,
              instanceGroupsRemoveInstancesRequestResource: {
                instances: remove.map((i) => ({ instance: this.instanceLink(zone, i) })),
              },
            },
            o,
          ),
        signal,
      );
      wrote = true;
    }
    if (add.length > 0) {
      await api.mutate(
        'instanceGroups.addInstances',
        this.name,
        { kind: 'zone', zone },
        (o) =>
          api.instanceGroups.addInstances(
            {
              project,
              zone,
              instanceGroup: this.name,
              instanceGroupsAddInstancesRequestResource: {
                instances: add.map((i) => ({ instance: this.instanceLink(zone, i) })),
              },
            },
            o,
          ),
        signal,
      );
      wrote = true;
    }
    this.#verified.set(zone, { members: want, at: now() });
    return wrote;
  }
}
