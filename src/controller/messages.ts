// The sentences a person reads in `kubectl describe service`. Pure, so the wording is tested.
import type { FieldProblem, Listener, LoadBalancerStatus, SkippedTarget } from '../provider/contract.ts';
import { describeListener } from './desired.ts';
import { describeIngress } from './status.ts';
import type { RefusedPort } from './validate.ts';

function listenerList(listeners: readonly Pick<Listener, 'port' | 'protocol'>[]): string {
  return listeners.length === 0 ? 'none' : listeners.map(describeListener).join(', ');
}

function refusedClause(refused: readonly RefusedPort[]): string {
  return refused.length === 0 ? '' : `; ${refused.map((r) => r.message).join('; ')}`;
}

/** How many nodes a not-targets sentence names before it says "and N more": a message stays readable. */
export const NOT_TARGETS_NAMED = 5;

/** "2 nodes are not targets: node-a (no spec.providerID), node-b (instance i-123 does not exist)" */
export function notTargetsSentence(skipped: readonly SkippedTarget[]): string {
  const named = skipped.slice(0, NOT_TARGETS_NAMED).map((s) => `${s.nodeName} (${s.reason})`);
  const more = skipped.length - named.length;
  const list = `${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  return skipped.length === 1 ? `1 node is not a target: ${list}` : `${skipped.length} nodes are not targets: ${list}`;
}

function notTargetsClause(skipped: readonly SkippedTarget[]): string {
  return skipped.length === 0 ? '' : `; ${notTargetsSentence(skipped)}`;
}

/** "Ensured load balancer 10.0.0.7 with listeners 80/TCP, 53/UDP on 2 nodes; port 9999/SCTP refused: …; 1 node is not a target: …" */
export function ensuredMessage(
  verb: 'Ensured' | 'Updated',
  status: LoadBalancerStatus,
  listeners: readonly Listener[],
  refused: readonly RefusedPort[],
  targetCount: number,
  notTargets: readonly SkippedTarget[] = [],
): string {
  const at = describeIngress(status.ingress);
  const nodes = targetCount === 1 ? '1 node' : `${targetCount} nodes`;
  return `${verb} load balancer${at ? ` ${at}` : ''} with listeners ${listenerList(listeners)} on ${nodes}${refusedClause(refused)}${notTargetsClause(notTargets)}.`;
}

export function refusedWarning(refused: readonly RefusedPort[], served: readonly Listener[]): string {
  const parts = refused.map((r) => `${r.message[0]?.toUpperCase() ?? ''}${r.message.slice(1)}`);
  return `${parts.join('. ')}. Still serving ${listenerList(served)}.`;
}

export function problemsMessage(problems: readonly FieldProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.message}`).join(' ');
}

export function readyMessage(
  status: LoadBalancerStatus,
  listeners: readonly Listener[],
  refused: readonly RefusedPort[],
  notTargets: readonly SkippedTarget[] = [],
): string {
  return `Serving ${listenerList(listeners)} at ${describeIngress(status.ingress) || 'an address the provider did not report'}${refusedClause(refused)}${notTargetsClause(notTargets)}.`;
}

/** Said when a load balancer has no targets: the nodes the provider cannot use are named. */
export function noNodesMessage(total: number, notTargets: readonly SkippedTarget[] = []): string {
  if (notTargets.length > 0) return `There are no available nodes for LoadBalancer: ${notTargetsSentence(notTargets)}.`;
  return total === 0
    ? 'There are no available nodes for LoadBalancer: the cluster has no nodes.'
    : `There are no available nodes for LoadBalancer: all ${total} nodes are excluded (being deleted, labelled node.kubernetes.io/exclude-from-external-load-balancers, or tainted ToBeDeletedByClusterAutoscaler).`;
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const field = 'field' in err && typeof err.field === 'string' ? ` (${err.field})` : '';
    return `${err.message}${field}`;
  }
  return String(err);
}
