// The sentences a person reads in `kubectl describe service`. Pure, so the wording is tested.
import type { FieldProblem, Listener, LoadBalancerStatus } from '../provider/contract.ts';
import { describeListener } from './desired.ts';
import { describeIngress } from './status.ts';
import type { RefusedPort } from './validate.ts';

function listenerList(listeners: readonly Pick<Listener, 'port' | 'protocol'>[]): string {
  return listeners.map(describeListener).join(', ');
}

function refusedClause(refused: readonly RefusedPort[]): string {
  return refused.length === 0 ? '' : `; ${refused.map((r) => r.message).join('; ')}`;
}

/** "Ensured load balancer 10.0.0.7 with listeners 80/TCP, 53/UDP; port 9999/SCTP refused: …" */
export function ensuredMessage(
  verb: 'Ensured' | 'Updated',
  status: LoadBalancerStatus,
  listeners: readonly Listener[],
  refused: readonly RefusedPort[],
  targetCount: number,
): string {
  const at = describeIngress(status.ingress);
  const nodes = targetCount === 1 ? '1 node' : `${targetCount} nodes`;
  return `${verb} load balancer${at ? ` ${at}` : ''} with listeners ${listenerList(listeners)} on ${nodes}${refusedClause(refused)}.`;
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
): string {
  return `Serving ${listenerList(listeners)} at ${describeIngress(status.ingress) || 'an address the provider did not report'}${refusedClause(refused)}.`;
}

export function noNodesMessage(total: number): string {
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
