// Ownership marks: a JSON description on every resource (exact values), and labels on the
// resources that have labels (addresses, forwarding rules), for filtering and for people.
import type { LoadBalancerRef, Ownership } from '../../src/provider/contract.ts';
import { sanitize } from './names.ts';

const CLUSTER = 'cloudlb.dev/cluster';
const SERVICE = 'cloudlb.dev/service';
const UID = 'cloudlb.dev/service-uid';
const NAME = 'cloudlb.dev/name';

export const CLUSTER_LABEL = 'cloudlb-cluster';

export function describe(ref: LoadBalancerRef): string {
  const o = ref.ownership;
  return JSON.stringify({
    [CLUSTER]: o.clusterName,
    [SERVICE]: `${o.serviceNamespace}/${o.serviceName}`,
    [UID]: o.serviceUID,
    [NAME]: ref.name,
  });
}

export function describeCluster(clusterName: string): string {
  return JSON.stringify({ [CLUSTER]: clusterName });
}

function labelValue(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .slice(0, 63);
}

export function clusterLabel(clusterName: string): string {
  return sanitize(clusterName);
}

export function labelsFor(ref: LoadBalancerRef): Record<string, string> {
  const o = ref.ownership;
  return {
    [CLUSTER_LABEL]: clusterLabel(o.clusterName),
    'cloudlb-service-namespace': labelValue(o.serviceNamespace),
    'cloudlb-service-name': labelValue(o.serviceName),
    'cloudlb-service-uid': labelValue(o.serviceUID),
  };
}

function parse(description: string | null | undefined): Record<string, unknown> | undefined {
  if (!description || !description.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(description);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** True when the description marks the resource as this Service's in this cluster. */
export function ownedBy(description: string | null | undefined, ownership: Ownership): boolean {
  const d = parse(description);
  return d?.[CLUSTER] === ownership.clusterName && d[UID] === ownership.serviceUID;
}

export function ownedByCluster(description: string | null | undefined, clusterName: string): boolean {
  return parse(description)?.[CLUSTER] === clusterName;
}

/** The ref a resource's description records, when it belongs to this cluster. */
export function refFromDescription(
  description: string | null | undefined,
  clusterName: string,
): LoadBalancerRef | undefined {
  const d = parse(description);
  if (!d || d[CLUSTER] !== clusterName) return undefined;
  const service = typeof d[SERVICE] === 'string' ? d[SERVICE] : '';
  const slash = service.indexOf('/');
  if (typeof d[UID] !== 'string' || typeof d[NAME] !== 'string' || slash < 0) return undefined;
  return {
    name: d[NAME],
    ownership: {
      clusterName,
      serviceNamespace: service.slice(0, slash),
      serviceName: service.slice(slash + 1),
      serviceUID: d[UID],
    },
  };
}

/** Ownership as this provider marks it: the cluster is always our own, whatever a ref claims. */
export function ownerOf(ref: LoadBalancerRef, clusterName: string): Ownership {
  return { ...ref.ownership, clusterName };
}
