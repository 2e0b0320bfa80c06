// Ownership marks on every AWS resource the provider creates. A resource is ours only when all of
// them match; a same-named resource without them is never modified or deleted.
import type { LoadBalancerRef, Ownership } from '../../src/provider/contract.ts';

export const MANAGED_BY_KEY = 'cloudlb.dev/managed-by';
export const MANAGED_BY_VALUE = 'cloud-lb-operator';
export const SERVICE_NAME_KEY = 'kubernetes.io/service-name';
export const SERVICE_UID_KEY = 'cloudlb.dev/service-uid';
export const LOAD_BALANCER_KEY = 'cloudlb.dev/load-balancer';
export const CLUSTER_KEY_PREFIX = 'kubernetes.io/cluster/';

/** Keys a user cannot set through additional-resource-tags (the cluster key is per cluster). */
export const OWNERSHIP_TAG_KEYS: readonly string[] = [
  MANAGED_BY_KEY,
  SERVICE_NAME_KEY,
  SERVICE_UID_KEY,
  LOAD_BALANCER_KEY,
  `${CLUSTER_KEY_PREFIX}*`,
];

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

export function clusterTagKey(clusterName: string): string {
  return CLUSTER_KEY_PREFIX + clusterName;
}

export function ownershipTags(ref: LoadBalancerRef): Record<string, string> {
  const o = ref.ownership;
  return {
    [MANAGED_BY_KEY]: MANAGED_BY_VALUE,
    [clusterTagKey(o.clusterName)]: 'owned',
    [SERVICE_NAME_KEY]: `${o.serviceNamespace}/${o.serviceName}`,
    [SERVICE_UID_KEY]: o.serviceUID,
    [LOAD_BALANCER_KEY]: ref.name,
  };
}

export function toTagList(tags: Readonly<Record<string, string>>): Tag[] {
  return Object.entries(tags)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([Key, Value]) => ({ Key, Value }));
}

export function tagMap(
  tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

/** True when the tags mark the resource as made by this operator, in this cluster, for this Service. */
export function isOwnedBy(tags: Readonly<Record<string, string>>, ref: LoadBalancerRef): boolean {
  return (
    tags[MANAGED_BY_KEY] === MANAGED_BY_VALUE &&
    tags[clusterTagKey(ref.ownership.clusterName)] === 'owned' &&
    tags[SERVICE_UID_KEY] === ref.ownership.serviceUID
  );
}

/** Rebuilds the ref of a resource this cluster owns from its tags; undefined when it is not ours. */
export function refFromTags(tags: Readonly<Record<string, string>>, clusterName: string): LoadBalancerRef | undefined {
  if (tags[MANAGED_BY_KEY] !== MANAGED_BY_VALUE || tags[clusterTagKey(clusterName)] !== 'owned') return undefined;
  const uid = tags[SERVICE_UID_KEY];
  const name = tags[LOAD_BALANCER_KEY];
  const serviceName = tags[SERVICE_NAME_KEY] ?? '';
  const slash = serviceName.indexOf('/');
  if (uid === undefined || name === undefined || slash <= 0) return undefined;
  const ownership: Ownership = {
    clusterName,
    serviceNamespace: serviceName.slice(0, slash),
    serviceName: serviceName.slice(slash + 1),
    serviceUID: uid,
  };
  return { name, ownership };
}
