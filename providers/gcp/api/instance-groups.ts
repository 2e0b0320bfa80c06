// The calls on the cluster's per-zone unmanaged instance groups; which to make is decided in
// ../instance-groups.ts. Mutations are waited on until their zonal operation is done.
import type { protos } from '@google-cloud/compute';
import type { ComputeApi } from './compute.ts';

export type InstanceGroup = protos.google.cloud.compute.v1.IInstanceGroup;
type InstanceWithNamedPorts = protos.google.cloud.compute.v1.IInstanceWithNamedPorts;
type ListGroupsRequest = protos.google.cloud.compute.v1.IListInstanceGroupsRequest;
type ListInstancesRequest = protos.google.cloud.compute.v1.IListInstancesInstanceGroupsRequest;
type Instance = protos.google.cloud.compute.v1.IInstance;
type ListZoneInstancesRequest = protos.google.cloud.compute.v1.IListInstancesRequest;

/** By list + name filter: a missing group is an empty page rather than a (costly) 404. */
export async function findGroup(
  api: ComputeApi,
  zone: string,
  name: string,
  signal: AbortSignal,
): Promise<InstanceGroup | undefined> {
  const found = await api.list<InstanceGroup, ListGroupsRequest>(
    'instanceGroups.list',
    { project: api.config.project, zone, filter: `name = "${name}"` },
    (r, o) => api.instanceGroups.list(r, o),
    signal,
  );
  return found[0];
}

export function insertGroup(
  api: ComputeApi,
  zone: string,
  name: string,
  description: string,
  signal: AbortSignal,
): Promise<void> {
  const { project, network } = api.config;
  return api.mutate(
    'instanceGroups.insert',
    name,
    { kind: 'zone', zone },
    (o) => api.instanceGroups.insert({ project, zone, instanceGroupResource: { name, network, description } }, o),
    signal,
  );
}

/** The instance names (last path segment of each link) in the group, whatever their state. */
export async function listMembers(api: ComputeApi, zone: string, name: string, signal: AbortSignal): Promise<string[]> {
  const current = await api.list<InstanceWithNamedPorts, ListInstancesRequest>(
    'instanceGroups.listInstances',
    {
      project: api.config.project,
      zone,
      instanceGroup: name,
      instanceGroupsListInstancesRequestResource: { instanceState: 'ALL' },
    },
    (r, o) => api.instanceGroups.listInstances(r, o),
    signal,
  );
  return current.map((i) => (i.instance ?? '').slice((i.instance ?? '').lastIndexOf('/') + 1));
}

/** The names of the instances that exist in the zone (asked only when addInstances found one missing). */
export async function instanceNames(api: ComputeApi, zone: string, signal: AbortSignal): Promise<Set<string>> {
  const all = await api.list<Instance, ListZoneInstancesRequest>(
    'instances.list',
    { project: api.config.project, zone },
    (r, o) => api.instances.list(r, o),
    signal,
  );
  return new Set(all.map((i) => i.name ?? ''));
}

/** Adds or removes these instances (links) in one call. */
export function changeMembers(
  api: ComputeApi,
  zone: string,
  name: string,
  change: 'add' | 'remove',
  instanceLinks: readonly string[],
  signal: AbortSignal,
): Promise<void> {
  const request = { project: api.config.project, zone, instanceGroup: name };
  const instances = instanceLinks.map((instance) => ({ instance }));
  return change === 'add'
    ? api.mutate(
        'instanceGroups.addInstances',
        name,
        { kind: 'zone', zone },
        (o) =>
          api.instanceGroups.addInstances({ ...request, instanceGroupsAddInstancesRequestResource: { instances } }, o),
        signal,
      )
    : api.mutate(
        'instanceGroups.removeInstances',
        name,
        { kind: 'zone', zone },
        (o) =>
          api.instanceGroups.removeInstances(
            { ...request, instanceGroupsRemoveInstancesRequestResource: { instances } },
            o,
          ),
        signal,
      );
}

export function deleteGroup(api: ComputeApi, zone: string, name: string, signal: AbortSignal): Promise<void> {
  return api.mutate(
    'instanceGroups.delete',
    name,
    { kind: 'zone', zone },
    (o) => api.instanceGroups.delete({ project: api.config.project, zone, instanceGroup: name }, o),
    signal,
  );
}
