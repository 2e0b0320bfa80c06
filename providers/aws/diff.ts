// One "needs update?" function per AWS resource: current (as read) × planned → what to change. Pure.
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
