import type { V1Node } from '@kubernetes/client-node';
import type { NodeAddress, NodeAddressType, Target } from '../provider/contract.ts';
import { EXCLUDE_LABEL, TO_BE_DELETED_TAINT } from './constants.ts';

const ADDRESS_TYPES: ReadonlySet<string> = new Set<NodeAddressType>([
  'InternalIP',
  'ExternalIP',
  'Hostname',
  'InternalDNS',
  'ExternalDNS',
]);

/** Why a node is not behind load balancers, or undefined when it is eligible (upstream rules). */
export function ineligibility(node: V1Node): string | undefined {
  if (node.metadata?.deletionTimestamp) return 'being deleted';
  if (node.metadata?.labels?.[EXCLUDE_LABEL] !== undefined) return `labelled ${EXCLUDE_LABEL}`;
  if (node.spec?.taints?.some((taint) => taint.key === TO_BE_DELETED_TAINT)) return `tainted ${TO_BE_DELETED_TAINT}`;
  return undefined;
}

export function isEligible(node: V1Node): boolean {
  return ineligibility(node) === undefined;
}

export function toTarget(node: V1Node): Target {
  const addresses: NodeAddress[] = [];
  for (const address of node.status?.addresses ?? []) {
    if (ADDRESS_TYPES.has(address.type))
      addresses.push({ type: address.type as NodeAddressType, address: address.address });
  }
  const providerID = node.spec?.providerID;
  return {
    nodeName: node.metadata?.name ?? '',
    ...(providerID ? { providerID } : {}),
    addresses,
    labels: { ...node.metadata?.labels },
  };
}

/** Eligible nodes as targets, sorted by name. */
export function targetsOf(nodes: readonly V1Node[]): Target[] {
  return nodes
    .filter(isEligible)
    .map(toTarget)
    .sort((a, b) => (a.nodeName < b.nodeName ? -1 : a.nodeName > b.nodeName ? 1 : 0));
}

/**
 * A stable fingerprint of the target set. Every Service behind a provider uses the same set, so
 * a node change re-syncs load balancers only when this fingerprint changes (a heartbeat, a
 * condition flip or a label leaves it alone: labels have targetLabelsFingerprint).
 */
export function targetsFingerprint(targets: readonly Target[]): string {
  return JSON.stringify(
    targets.map((t) => [t.nodeName, t.providerID ?? '', t.addresses.map((a) => `${a.type}=${a.address}`).sort()]),
  );
}

/** The targets' labels alone: what only a Service that picks nodes by label cares about. */
export function targetLabelsFingerprint(targets: readonly Target[]): string {
  return JSON.stringify(
    targets.map((t) => [t.nodeName, Object.entries(t.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]),
  );
}
