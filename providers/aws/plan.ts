// DesiredLoadBalancer + annotation options → the AWS resources one Service needs. Pure.
import type { DesiredLoadBalancer, Listener, SkippedTarget, Target } from '../../src/provider/contract.ts';
import { PermanentError } from '../../src/provider/errors/index.ts';
import type { AwsOptions, HealthCheckProtocol } from './annotations.ts';
import { ANNOTATION_PREFIX } from './annotations.ts';
import { loadBalancerName, targetGroupName, type AwsProtocol } from './names.ts';
import { ownershipTags } from './ownership.ts';
import { awsTargetProblem, instanceIDFromProviderID } from './targets.ts';

export interface PlannedHealthCheck {
  readonly protocol: HealthCheckProtocol;
  /** 'traffic-port' or a port number as a string, as ELBv2 reports it. */
  readonly port: string;
  /** Only for HTTP/HTTPS. */
  readonly path: string | undefined;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

export interface PlannedTarget {
  readonly instanceID: string;
  readonly port: number;
}

export interface PlannedTargetGroup {
  readonly name: string;
  readonly protocol: AwsProtocol;
  /** The node port: the group's default port and the port of every target. */
  readonly nodePort: number;
  readonly healthCheck: PlannedHealthCheck;
  readonly attributes: Readonly<Record<string, string>>;
  readonly targets: readonly PlannedTarget[];
}

export interface PlannedListener {
  readonly port: number;
  readonly protocol: AwsProtocol;
  readonly targetGroupName: string;
}

export interface SecurityGroupRule {
  readonly protocol: 'tcp' | 'udp';
  readonly port: number;
  readonly cidr: string;
}

export interface Plan {
  readonly nlbName: string;
  /** The name comes from the name annotation (not derived from the Service). */
  readonly customName: boolean;
  readonly scheme: 'internet-facing' | 'internal';
  readonly listeners: readonly PlannedListener[];
  readonly targetGroups: readonly PlannedTargetGroup[];
  readonly tags: Readonly<Record<string, string>>;
  readonly ingressRules: readonly SecurityGroupRule[];
  readonly crossZone: boolean | undefined;
  readonly subnets: readonly string[] | undefined;
  readonly eipAllocations: readonly string[] | undefined;
  readonly skippedTargets: readonly SkippedTarget[];
}

const DEFAULT_HEALTH = { intervalSeconds: 10, timeoutSeconds: 6, healthyThreshold: 2, unhealthyThreshold: 2 };

export function planHealthCheck(lb: DesiredLoadBalancer, options: AwsOptions): PlannedHealthCheck {
  const o = options.healthCheck;
  const base =
    lb.healthCheck.kind === 'HTTP'
      ? { protocol: 'HTTP' as const, port: String(lb.healthCheck.port), path: lb.healthCheck.path }
      : { protocol: 'TCP' as const, port: 'traffic-port', path: undefined };
  const protocol = o.protocol ?? base.protocol;
  const port = o.port === undefined ? base.port : String(o.port);
  const path = protocol === 'TCP' ? undefined : (o.path ?? base.path ?? '/');
  return {
    protocol,
    port,
    path,
    intervalSeconds: o.intervalSeconds ?? DEFAULT_HEALTH.intervalSeconds,
    timeoutSeconds: o.timeoutSeconds ?? DEFAULT_HEALTH.timeoutSeconds,
    healthyThreshold: o.healthyThreshold ?? DEFAULT_HEALTH.healthyThreshold,
    unhealthyThreshold: o.unhealthyThreshold ?? DEFAULT_HEALTH.unhealthyThreshold,
  };
}

interface MergedPort {
  readonly port: number;
  readonly protocol: AwsProtocol;
  readonly nodePort: number;
}

/** TCP and UDP on the same port become one TCP_UDP listener; they must share the node port. */
export function mergeListeners(listeners: readonly Listener[]): MergedPort[] {
  const byPort = new Map<number, Listener[]>();
  for (const l of listeners) {
    if (l.protocol === 'SCTP')
      throw new PermanentError(`Port ${l.port}/SCTP cannot be carried by an AWS Network Load Balancer.`, {
        field: 'spec.ports',
      });
    byPort.set(l.port, [...(byPort.get(l.port) ?? []), l]);
  }
  const merged: MergedPort[] = [];
  for (const [port, group] of [...byPort].sort(([a], [b]) => a - b)) {
    for (const l of group) {
      if (l.nodePort <= 0)
        throw new PermanentError(
          `Port ${l.port}/${l.protocol} has no node port; the aws provider targets nodes on their node ports.`,
          { field: 'spec.allocateLoadBalancerNodePorts' },
        );
    }
    const protocols = new Set(group.map((l) => l.protocol));
    const first = group[0];
    if (first === undefined) continue;
    if (protocols.size > 1) {
      if (new Set(group.map((l) => l.nodePort)).size > 1) {
        throw new PermanentError(
          `Port ${port} is both TCP and UDP with different node ports; one TCP_UDP listener needs one node port for both.`,
          { field: 'spec.ports' },
        );
      }
      merged.push({ port, protocol: 'TCP_UDP', nodePort: first.nodePort });
    } else {
      merged.push({ port, protocol: first.protocol as AwsProtocol, nodePort: first.nodePort });
    }
  }
  return merged;
}

function matchesLabels(target: Target, wanted: Readonly<Record<string, string>>): boolean {
  return Object.entries(wanted).every(([k, v]) => target.labels[k] === v);
}

/** Instance IDs of the targets carrying `labels`; those awsTargetProblem refuses are skipped, with why. */
export function planTargets(
  targets: readonly Target[],
  labels: Readonly<Record<string, string>>,
  region?: string,
): { ids: string[]; skipped: SkippedTarget[] } {
  const ids: string[] = [];
  const skipped: SkippedTarget[] = [];
  for (const t of targets) {
    if (!matchesLabels(t, labels)) continue;
    const problem = awsTargetProblem(t, region);
    const id = instanceIDFromProviderID(t.providerID);
    if (problem !== undefined || id === undefined)
      skipped.push({ nodeName: t.nodeName, ...(problem ?? { kind: 'malformedProviderID', reason: 'no instance ID' }) });
    else if (!ids.includes(id)) ids.push(id);
  }
  return { ids: ids.sort(), skipped };
}

/** `region`: the provider's; without it a target's zone is not checked (pure tests of the rest). */
export function planLoadBalancer(lb: DesiredLoadBalancer, options: AwsOptions, region?: string): Plan {
  const nlbName = options.name ?? loadBalancerName(lb.name);
  const merged = mergeListeners(lb.listeners);
  const healthCheck = planHealthCheck(lb, options);
  const { ids, skipped } = planTargets(lb.targets, options.targetNodeLabels, region);
  const targetGroups = merged.map((m) => ({
    name: targetGroupName(lb.name, m.port, m.protocol),
    protocol: m.protocol,
    nodePort: m.nodePort,
    healthCheck,
    attributes: options.targetGroupAttributes,
    targets: ids.map((instanceID) => ({ instanceID, port: m.nodePort })),
  }));
  const listeners = merged.map((m, i) => ({
    port: m.port,
    protocol: m.protocol,
    targetGroupName: targetGroups[i]?.name ?? '',
  }));
  const cidrs = lb.sourceRanges.length > 0 ? [...new Set(lb.sourceRanges)].sort() : ['0.0.0.0/0'];
  const ingressRules = merged.flatMap((m) =>
    (m.protocol === 'TCP_UDP'
      ? (['tcp', 'udp'] as const)
      : m.protocol === 'TCP'
        ? (['tcp'] as const)
        : (['udp'] as const)
    ).flatMap((protocol) => cidrs.map((cidr) => ({ protocol, port: m.port, cidr }))),
  );
  const scheme = lb.scheme === 'Internal' ? 'internal' : 'internet-facing';
  if (options.eipAllocations !== undefined && scheme === 'internal') {
    throw new PermanentError(`${ANNOTATION_PREFIX}eip-allocations applies only to internet-facing load balancers.`, {
      field: `metadata.annotations[${ANNOTATION_PREFIX}eip-allocations]`,
    });
  }
  return {
    nlbName,
    customName: options.name !== undefined,
    scheme,
    listeners,
    targetGroups,
    tags: { ...options.additionalTags, ...ownershipTags(lb) },
    ingressRules,
    crossZone: options.crossZone,
    subnets: options.subnets,
    eipAllocations: options.eipAllocations,
    skippedTargets: skipped,
  };
}
