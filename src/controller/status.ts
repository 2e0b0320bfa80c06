import type { V1Condition, V1LoadBalancerIngress, V1LoadBalancerStatus, V1Service } from '@kubernetes/client-node';
import type { IngressPoint, Listener } from '../provider/contract.ts';
import { CONDITION_TYPE } from './constants.ts';
import type { RefusedPort } from './validate.ts';

/** Reasons of the LoadBalancerReady condition. */
export const ReadyReason = {
  Ensured: 'Ensured',
  PortsRefused: 'PortsRefused',
  NoEligibleNodes: 'NoEligibleNodes',
  InvalidSpec: 'InvalidSpec',
  ProviderNotReady: 'ProviderNotReady',
  Provisioning: 'Provisioning',
  SyncFailed: 'SyncFailed',
  DeleteFailed: 'DeleteFailed',
} as const;

export interface ReadyCondition {
  readonly status: 'True' | 'False';
  readonly reason: (typeof ReadyReason)[keyof typeof ReadyReason];
  readonly message: string;
}

/**
 * status.loadBalancer for what the provider reported: one entry per ingress point, each listing
 * every Service port, with `error` on the ports that are not served. ipMode only goes with ip
 * (the API server rejects it on a hostname).
 */
export function loadBalancerStatus(
  ingress: readonly IngressPoint[],
  ports: readonly Pick<Listener, 'port' | 'protocol'>[],
  refused: readonly RefusedPort[],
): V1LoadBalancerStatus {
  if (ingress.length === 0) return {};
  return {
    ingress: ingress.map((point) => {
      const entry: V1LoadBalancerIngress = {};
      if (point.ip) {
        entry.ip = point.ip;
        entry.ipMode = point.ipMode ?? 'VIP';
      } else if (point.hostname) entry.hostname = point.hostname;
      if (point.ip && point.hostname) entry.hostname = point.hostname;
      entry.ports = ports.map((port) => {
        const problem = refused.find((r) => r.port === port.port && r.protocol === port.protocol);
        return { port: port.port, protocol: port.protocol, ...(problem ? { error: problem.error } : {}) };
      });
      return entry;
    }),
  };
}

/** The Service's current LoadBalancerReady condition, if any. */
export function currentCondition(service: V1Service): V1Condition | undefined {
  return service.status?.conditions?.find((c) => c.type === CONDITION_TYPE);
}

/**
 * The condition to write: lastTransitionTime moves only when the status flips, so re-computing an
 * unchanged condition yields an identical object (and no patch).
 */
export function conditionFor(service: V1Service, ready: ReadyCondition, now: Date): V1Condition {
  const previous = currentCondition(service);
  const lastTransitionTime = previous && previous.status === ready.status ? previous.lastTransitionTime : now;
  return {
    type: CONDITION_TYPE,
    status: ready.status,
    reason: ready.reason,
    message: ready.message.slice(0, 32_000),
    observedGeneration: service.metadata?.generation ?? 0,
    lastTransitionTime,
  };
}

function normalIngress(status: V1LoadBalancerStatus | undefined): string {
  return JSON.stringify(
    (status?.ingress ?? []).map((i) => ({
      ip: i.ip ?? null,
      hostname: i.hostname ?? null,
      ipMode: i.ipMode ?? null,
      ports: (i.ports ?? []).map((p) => [p.port, p.protocol, p.error ?? null]),
    })),
  );
}

export function loadBalancerStatusEquals(
  a: V1LoadBalancerStatus | undefined,
  b: V1LoadBalancerStatus | undefined,
): boolean {
  return normalIngress(a) === normalIngress(b);
}

export function conditionEquals(a: V1Condition | undefined, b: V1Condition | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    (a.observedGeneration ?? 0) === (b.observedGeneration ?? 0)
  );
}

/** What a status patch must change, or undefined when the Service already shows it. */
export function statusPatch(
  service: V1Service,
  wanted: { readonly loadBalancer?: V1LoadBalancerStatus; readonly condition?: V1Condition },
): { loadBalancer?: V1LoadBalancerStatus; conditions?: V1Condition[] } | undefined {
  const patch: { loadBalancer?: V1LoadBalancerStatus; conditions?: V1Condition[] } = {};
  if (
    wanted.loadBalancer !== undefined &&
    !loadBalancerStatusEquals(service.status?.loadBalancer, wanted.loadBalancer)
  ) {
    patch.loadBalancer = wanted.loadBalancer;
  }
  if (wanted.condition !== undefined && !conditionEquals(currentCondition(service), wanted.condition)) {
    patch.conditions = [wanted.condition];
  }
  return patch.loadBalancer === undefined && patch.conditions === undefined ? undefined : patch;
}

/** Whether the Service shows anything of ours (ingress or our condition) that cleanup must clear. */
export function hasOurStatus(service: V1Service): boolean {
  return (service.status?.loadBalancer?.ingress ?? []).length > 0 || currentCondition(service) !== undefined;
}

/** The ingress addresses as a person reads them: "1.2.3.4" or "a.elb.amazonaws.com, 5.6.7.8". */
export function describeIngress(ingress: readonly IngressPoint[]): string {
  return ingress
    .map((i) => i.ip ?? i.hostname ?? '')
    .filter((s) => s !== '')
    .join(', ');
}
