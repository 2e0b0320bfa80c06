// One "needs update?" function per AWS resource: current (as read) × planned → what to change. Pure.
import type { IpPermission } from '@aws-sdk/client-ec2';
import type { Listener as ElbListener, LoadBalancer, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type {
  PlannedHealthCheck,
  PlannedListener,
  PlannedTarget,
  PlannedTargetGroup,
  SecurityGroupRule,
} from './plan.ts';

export function healthCheckNeedsUpdate(current: TargetGroup, wanted: PlannedHealthCheck): boolean {
  return (
    current.HealthCheckProtocol !== wanted.protocol ||
    current.HealthCheckPort !== wanted.port ||
    (wanted.path !== undefined && current.HealthCheckPath !== wanted.path) ||
    current.HealthCheckIntervalSeconds !== wanted.intervalSeconds ||
    current.HealthCheckTimeoutSeconds !== wanted.timeoutSeconds ||
    current.HealthyThresholdCount !== wanted.healthyThreshold ||
    current.UnhealthyThresholdCount !== wanted.unhealthyThreshold ||
    current.HealthCheckEnabled === false
  );
}

/** A target group's protocol and target type cannot be modified: a mismatch means a new group. */
export function targetGroupNeedsReplacement(current: TargetGroup, wanted: PlannedTargetGroup): boolean {
  return current.Protocol !== wanted.protocol || current.TargetType !== 'instance';
}

export interface TargetChanges {
  readonly register: readonly PlannedTarget[];
  readonly deregister: readonly PlannedTarget[];
}

const targetKey = (t: PlannedTarget): string => `${t.instanceID}:${t.port}`;

export function targetChanges(current: readonly PlannedTarget[], wanted: readonly PlannedTarget[]): TargetChanges {
  const have = new Set(current.map(targetKey));
  const want = new Set(wanted.map(targetKey));
  return {
    register: wanted.filter((t) => !have.has(targetKey(t))),
    deregister: current.filter((t) => !want.has(targetKey(t))),
  };
}

/**
 * The entries of `wanted` that `current` lacks or holds with another value. Used for attributes and
 * tags alike: keys nobody asked for are left as AWS has them.
 */
export function entriesToChange(
  current: Readonly<Record<string, string>>,
  wanted: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(wanted)) if (current[k] !== v) out[k] = v;
  return out;
}

export function listenerNeedsUpdate(current: ElbListener, wanted: PlannedListener, targetGroupArn: string): boolean {
  const actions = current.DefaultActions ?? [];
  const forward = actions.length === 1 ? actions[0] : undefined;
  const forwardsTo =
    forward?.Type === 'forward'
      ? (forward.TargetGroupArn ?? forward.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn)
      : undefined;
  return current.Protocol !== wanted.protocol || forwardsTo !== targetGroupArn;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

export function subnetsNeedUpdate(current: LoadBalancer, wanted: readonly string[]): boolean {
  const have = (current.AvailabilityZones ?? []).map((z) => z.SubnetId ?? '');
  return !sameSet(have, wanted);
}

export function securityGroupsNeedUpdate(current: LoadBalancer, wanted: readonly string[]): boolean {
  return !sameSet(current.SecurityGroups ?? [], wanted);
}

const ruleKey = (r: SecurityGroupRule): string => `${r.protocol}:${r.port}:${r.cidr}`;

/** Flattens EC2's nested permissions into one rule per (protocol, port, CIDR). */
export function rulesFromPermissions(permissions: readonly IpPermission[] | undefined): SecurityGroupRule[] {
  const out: SecurityGroupRule[] = [];
  for (const p of permissions ?? []) {
    const protocol = p.IpProtocol;
    if ((protocol !== 'tcp' && protocol !== 'udp') || p.FromPort === undefined || p.FromPort !== p.ToPort) {
      out.push({
        protocol: 'tcp',
        port: -1,
        cidr: `unexpected:${protocol ?? ''}:${p.FromPort ?? ''}-${p.ToPort ?? ''}`,
      });
      continue;
    }
    for (const r of p.IpRanges ?? [])
      if (r.CidrIp !== undefined) out.push({ protocol, port: p.FromPort, cidr: r.CidrIp });
    for (const r of p.Ipv6Ranges ?? [])
      if (r.CidrIpv6 !== undefined) out.push({ protocol, port: p.FromPort, cidr: r.CidrIpv6 });
  }
  return out;
}

export interface RuleChanges {
  readonly authorize: readonly SecurityGroupRule[];
  readonly revoke: readonly SecurityGroupRule[];
}

export function ingressChanges(
  current: readonly SecurityGroupRule[],
  wanted: readonly SecurityGroupRule[],
): RuleChanges {
  const have = new Set(current.map(ruleKey));
  const want = new Set(wanted.map(ruleKey));
  return {
    authorize: wanted.filter((r) => !have.has(ruleKey(r))),
    revoke: current.filter((r) => !want.has(ruleKey(r)) && r.port >= 0),
  };
}

/** Rules → EC2 permissions, one permission per (protocol, port). */
export function permissionsFromRules(rules: readonly SecurityGroupRule[]): IpPermission[] {
  const grouped = new Map<string, { protocol: string; port: number; cidrs: string[] }>();
  for (const r of rules) {
    const key = `${r.protocol}:${r.port}`;
    const g = grouped.get(key) ?? { protocol: r.protocol, port: r.port, cidrs: [] };
    g.cidrs.push(r.cidr);
    grouped.set(key, g);
  }
  return [...grouped.values()].map((g) => ({
    IpProtocol: g.protocol,
    FromPort: g.port,
    ToPort: g.port,
    IpRanges: g.cidrs.filter((c) => !c.includes(':')).map((CidrIp) => ({ CidrIp })),
    Ipv6Ranges: g.cidrs.filter((c) => c.includes(':')).map((CidrIpv6) => ({ CidrIpv6 })),
  }));
}
