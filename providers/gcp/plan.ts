// What one Service's load balancer should look like in Compute Engine: a pure function of the
// DesiredLoadBalancer and the provider config. The provider compares it with what it reads.
import { PermanentError } from '../../src/provider/errors/index.ts';
import type {
  DesiredLoadBalancer,
  Protocol,
  SkippedTarget,
  Target,
  TargetProblem,
} from '../../src/provider/contract.ts';
import { describe, labelsFor } from './ownership.ts';
import { resourceNames, type ResourceNames, type RuleKind } from './names.ts';
import type { GcpConfig } from './spec.ts';

/** Google's health-check probe ranges. https://cloud.google.com/load-balancing/docs/health-check-concepts#ip-ranges */
export const HEALTH_CHECK_RANGES = ['35.191.0.0/16', '130.211.0.0/22'];
/** External passthrough NLBs also probe from these. */
export const LEGACY_HEALTH_CHECK_RANGES = ['209.85.152.0/22', '209.85.204.0/22'];
const MAX_PORTS_PER_RULE = 5;

export type GceScheme = 'EXTERNAL' | 'INTERNAL';

export interface PlannedRule {
  readonly kind: RuleKind;
  readonly name: string;
  readonly protocol: 'TCP' | 'UDP' | 'L3_DEFAULT';
  /** Sorted service ports; empty with allPorts. */
  readonly ports: readonly number[];
  readonly allPorts: boolean;
}

export type PlannedHealthCheck =
  | { readonly type: 'TCP'; readonly port: number }
  | { readonly type: 'HTTP'; readonly port: number; readonly path: string };

export interface PlannedFirewall {
  readonly name: string;
  readonly sourceRanges: readonly string[];
  /** Lowercase protocol → sorted ports. */
  readonly allowed: readonly { readonly IPProtocol: string; readonly ports: readonly string[] }[];
}

export interface Plan {
  readonly scheme: GceScheme;
  readonly names: ResourceNames;
  readonly description: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly healthCheck: PlannedHealthCheck;
  readonly backendProtocol: 'TCP' | 'UDP' | 'UNSPECIFIED';
  readonly rules: readonly PlannedRule[];
  readonly trafficFirewall: PlannedFirewall;
  readonly healthFirewall: PlannedFirewall;
  /** zone → instance names (sorted), from the targets' providerIDs in this project. */
  readonly zones: ReadonlyMap<string, readonly string[]>;
  /** Targets whose providerID is not gce://<this project>/<zone in this region>/<name>, with why. */
  readonly skippedTargets: readonly SkippedTarget[];
  readonly requestedAddress: string | undefined;
}

/** gce://project/zone/name → parts; undefined for anything else. */
export function parseProviderID(
  providerID: string | undefined,
): { project: string; zone: string; name: string } | undefined {
  const m = /^gce:\/\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(providerID ?? '');
  return m ? { project: m[1]!, zone: m[2]!, name: m[3]! } : undefined;
}

function regionOf(zone: string): string {
  return zone.replace(/-[a-z]$/, '');
}

/** Why this node cannot be an instance-group member for `config`, or undefined when it can. */
export function gcpTargetProblem(
  target: Target,
  config: Pick<GcpConfig, 'project' | 'region'>,
): TargetProblem | undefined {
  const providerID = target.providerID;
  if (providerID === undefined || providerID === '') return { kind: 'noProviderID', reason: 'no spec.providerID' };
  if (!providerID.startsWith('gce://'))
    return { kind: 'elsewhere', reason: `spec.providerID ${providerID} is not a Compute Engine instance` };
  const id = parseProviderID(providerID);
  if (id === undefined)
    return {
      kind: 'malformedProviderID',
      reason: `spec.providerID ${providerID} is not gce://<project>/<zone>/<name>`,
    };
  if (id.project !== config.project)
    return { kind: 'elsewhere', reason: `instance ${id.name} is in project ${id.project}, not ${config.project}` };
  if (regionOf(id.zone) !== config.region)
    return { kind: 'elsewhere', reason: `instance ${id.name} is in ${id.zone}, not in region ${config.region}` };
  return undefined;
}

function sortedUnique(values: Iterable<number>): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

function planRules(
  lb: DesiredLoadBalancer,
  names: ResourceNames,
): { rules: PlannedRule[]; backendProtocol: Plan['backendProtocol'] } {
  const protocols = new Set<Protocol>(lb.listeners.map((l) => l.protocol));
  if (protocols.has('SCTP')) {
    if (lb.scheme === 'External') {
      throw new PermanentError(
        'SCTP is not supported by external passthrough Network Load Balancers; use an internal load balancer',
        { field: 'spec.ports' },
      );
    }
    return {
      rules: [{ kind: 'l3', name: names.rules.l3, protocol: 'L3_DEFAULT', ports: [], allPorts: true }],
      backendProtocol: 'UNSPECIFIED',
    };
  }
  const rules: PlannedRule[] = [];
  for (const protocol of ['TCP', 'UDP'] as const) {
    if (!protocols.has(protocol)) continue;
    const ports = sortedUnique(lb.listeners.filter((l) => l.protocol === protocol).map((l) => l.port));
    const allPorts = ports.length > MAX_PORTS_PER_RULE;
    const kind = protocol === 'TCP' ? 'tcp' : 'udp';
    rules.push({ kind, name: names.rules[kind], protocol, ports: allPorts ? [] : ports, allPorts });
  }
  const only = rules.length === 1 ? rules[0]!.protocol : undefined;
  return { rules, backendProtocol: only === 'TCP' || only === 'UDP' ? only : 'UNSPECIFIED' };
}

export function buildPlan(lb: DesiredLoadBalancer, config: GcpConfig): Plan {
  if (lb.listeners.length === 0)
    throw new PermanentError('no port can be carried by this load balancer', { field: 'spec.ports' });
  const names = resourceNames(lb.name);
  const scheme: GceScheme = lb.scheme === 'Internal' ? 'INTERNAL' : 'EXTERNAL';
  const { rules, backendProtocol } = planRules(lb, names);
  const first = lb.listeners[0]!;
  const healthCheck: PlannedHealthCheck =
    lb.healthCheck.kind === 'HTTP'
      ? { type: 'HTTP', port: lb.healthCheck.port, path: lb.healthCheck.path }
      : { type: 'TCP', port: first.nodePort > 0 ? first.nodePort : first.port };
  const byProtocol = new Map<string, number[]>();
  for (const l of lb.listeners)
    byProtocol.set(l.protocol.toLowerCase(), [...(byProtocol.get(l.protocol.toLowerCase()) ?? []), l.port]);
  const zones = new Map<string, string[]>();
  const skippedTargets: SkippedTarget[] = [];
  for (const target of lb.targets) {
    const problem = gcpTargetProblem(target, config);
    const id = parseProviderID(target.providerID);
    if (problem !== undefined || id === undefined) {
      skippedTargets.push({ nodeName: target.nodeName, ...(problem ?? { kind: 'malformedProviderID', reason: '' }) });
      continue;
    }
    zones.set(id.zone, [...(zones.get(id.zone) ?? []), id.name]);
  }
  for (const [zone, list] of zones) zones.set(zone, [...new Set(list)].sort());
  return {
    scheme,
    names,
    description: describe(lb),
    labels: labelsFor(lb),
    healthCheck,
    backendProtocol,
    rules,
    trafficFirewall: {
      name: names.trafficFirewall,
      sourceRanges: lb.sourceRanges.length > 0 ? [...lb.sourceRanges].sort() : ['0.0.0.0/0'],
      allowed: [...byProtocol.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([IPProtocol, ports]) => ({ IPProtocol, ports: sortedUnique(ports).map(String) })),
    },
    healthFirewall: {
      name: names.healthFirewall,
      sourceRanges: (scheme === 'EXTERNAL'
        ? [...HEALTH_CHECK_RANGES, ...LEGACY_HEALTH_CHECK_RANGES]
        : HEALTH_CHECK_RANGES
      )
        .slice()
        .sort(),
      allowed: [{ IPProtocol: 'tcp', ports: [String(healthCheck.port)] }],
    },
    zones,
    skippedTargets,
    requestedAddress: lb.requestedAddress,
  };
}
