// Pure. One "needs update?" function per AWS resource (current as read × planned), and
// diffLoadBalancer: everything ensure read × the plan → the list of changes, in the order they apply.
import type { Listener as ElbListener, LoadBalancer, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import { PermanentError } from '../../src/provider/errors/index.ts';
import { ANNOTATION_PREFIX } from './annotations.ts';
import { securityGroupName } from './names.ts';
import type {
  Plan,
  PlannedHealthCheck,
  PlannedListener,
  PlannedTarget,
  PlannedTargetGroup,
  SecurityGroupRule,
} from './plan.ts';
import type { EnsureState, OwnedTargetGroup } from './read.ts';

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

// --- the whole load balancer: what ensure read × the plan → the changes, in the order they apply ---

type Tags = Readonly<Record<string, string>>;

/**
 * One write. Changes name target groups by their planned name and "the" security group / NLB
 * without an ID, because those may be created by an earlier change of the same list.
 */
export type Change =
  | { readonly kind: 'deleteLoadBalancer'; readonly arn: string; readonly because: 'scheme' | 'name' }
  | { readonly kind: 'createSecurityGroup'; readonly name: string }
  | { readonly kind: 'tagSecurityGroup'; readonly tags: Tags }
  | { readonly kind: 'authorizeIngress'; readonly rules: readonly SecurityGroupRule[] }
  | { readonly kind: 'revokeIngress'; readonly rules: readonly SecurityGroupRule[] }
  | { readonly kind: 'createLoadBalancer'; readonly subnets: readonly string[] }
  | { readonly kind: 'setSubnets'; readonly subnets: readonly string[] }
  | { readonly kind: 'setSecurityGroups' }
  | { readonly kind: 'tagLoadBalancer'; readonly tags: Tags }
  /** `current` undefined: the NLB is new and its attribute is read after it exists. */
  | { readonly kind: 'setCrossZone'; readonly enabled: boolean; readonly current: string | undefined }
  | { readonly kind: 'createTargetGroup'; readonly group: string }
  | { readonly kind: 'setHealthCheck'; readonly group: string }
  | { readonly kind: 'tagTargetGroup'; readonly group: string; readonly tags: Tags }
  | { readonly kind: 'setTargetGroupAttributes'; readonly group: string; readonly attributes: Tags }
  | { readonly kind: 'registerTargets'; readonly group: string; readonly targets: readonly PlannedTarget[] }
  | { readonly kind: 'deregisterTargets'; readonly group: string; readonly targets: readonly PlannedTarget[] }
  | { readonly kind: 'createListener'; readonly port: number }
  | { readonly kind: 'modifyListener'; readonly port: number; readonly arn: string }
  | { readonly kind: 'deleteListener'; readonly arn: string }
  | { readonly kind: 'deleteTargetGroups'; readonly arns: readonly string[] };

/** What exists and is kept: the IDs changes refer to until a change creates its own. */
export interface Known {
  readonly loadBalancer: LoadBalancer | undefined;
  readonly securityGroupID: string | undefined;
  readonly targetGroupArns: ReadonlyMap<string, string>;
}

export interface LoadBalancerDiff {
  readonly known: Known;
  readonly changes: readonly Change[];
}

/** The NLB that stays: ours under the planned name, unless its scheme (fixed at creation) differs. */
export function keptLoadBalancer(
  current: { readonly loadBalancer: LoadBalancer | undefined },
  plan: Pick<Plan, 'scheme'>,
): LoadBalancer | undefined {
  return current.loadBalancer?.Scheme === plan.scheme ? current.loadBalancer : undefined;
}

/** The existing target group a planned one becomes: ours, someone else's, or none. */
function existingGroup(state: EnsureState, name: string): OwnedTargetGroup | 'foreign' | undefined {
  return state.targetGroups.find((g) => g.group.TargetGroupName === name) ?? state.unattachedGroups.get(name);
}

/** Input that AWS state makes impossible: PermanentError, before any write. */
function refuseImpossible(plan: Plan, state: EnsureState): void {
  if (state.loadBalancer === undefined && state.foreignCount > 0) {
    throw new PermanentError(
      `An NLB named ${plan.nlbName} exists but is not owned by this operator for this Service; it is left alone.`,
      plan.customName ? { field: `metadata.annotations[${ANNOTATION_PREFIX}name]` } : {},
    );
  }
  if (plan.eipAllocations !== undefined && plan.eipAllocations.length !== state.subnets.length) {
    const key = `${ANNOTATION_PREFIX}eip-allocations`;
    throw new PermanentError(
      `${key} lists ${plan.eipAllocations.length} allocation(s) for ${state.subnets.length} subnet(s) (${state.subnets.join(', ')}); give exactly one per subnet.`,
      { field: `metadata.annotations[${key}]` },
    );
  }
  for (const planned of plan.targetGroups) {
    const found = existingGroup(state, planned.name);
    if (found === 'foreign') {
      throw new PermanentError(
        `A target group named ${planned.name} exists but is not owned by this operator; it will not be reused.`,
      );
    }
    if (found !== undefined && targetGroupNeedsReplacement(found.group, planned)) {
      throw new PermanentError(
        `Target group ${planned.name} has protocol ${found.group.Protocol ?? '?'} or target type ${found.group.TargetType ?? '?'} that cannot be changed in place.`,
      );
    }
  }
}

function securityGroupChanges(plan: Plan, state: EnsureState, kept: LoadBalancer | undefined) {
  const attached = kept?.SecurityGroups ?? [];
  const existing = state.securityGroups.find((g) => attached.includes(g.groupID)) ?? state.securityGroups[0];
  const changes: Change[] = [];
  if (existing === undefined) changes.push({ kind: 'createSecurityGroup', name: securityGroupName(plan.nlbName) });
  else {
    const tags = entriesToChange(existing.tags, plan.tags);
    if (Object.keys(tags).length > 0) changes.push({ kind: 'tagSecurityGroup', tags });
  }
  const rules = ingressChanges(existing?.rules ?? [], plan.ingressRules);
  if (rules.authorize.length > 0) changes.push({ kind: 'authorizeIngress', rules: rules.authorize });
  if (rules.revoke.length > 0) changes.push({ kind: 'revokeIngress', rules: rules.revoke });
  return { securityGroupID: existing?.groupID, changes };
}

function loadBalancerChanges(
  plan: Plan,
  state: EnsureState,
  kept: LoadBalancer | undefined,
  securityGroupID: string | undefined,
): Change[] {
  const changes: Change[] = [];
  if (kept === undefined) changes.push({ kind: 'createLoadBalancer', subnets: state.subnets });
  else {
    if (subnetsNeedUpdate(kept, state.subnets)) changes.push({ kind: 'setSubnets', subnets: state.subnets });
    if (securityGroupID === undefined || securityGroupsNeedUpdate(kept, [securityGroupID]))
      changes.push({ kind: 'setSecurityGroups' });
    const tags = entriesToChange(state.loadBalancerTags, plan.tags);
    if (Object.keys(tags).length > 0) changes.push({ kind: 'tagLoadBalancer', tags });
  }
  if (plan.crossZone !== undefined) {
    const wanted = String(plan.crossZone);
    if (kept === undefined) changes.push({ kind: 'setCrossZone', enabled: plan.crossZone, current: undefined });
    else if (state.crossZone !== wanted)
      changes.push({ kind: 'setCrossZone', enabled: plan.crossZone, current: state.crossZone });
  }
  return changes;
}

function targetGroupChanges(planned: PlannedTargetGroup, plan: Plan, state: EnsureState): Change[] {
  const group = planned.name;
  const found = existingGroup(state, group);
  const owned = found === 'foreign' || found?.group.TargetGroupArn === undefined ? undefined : found;
  const details = state.groupDetails.get(group);
  const changes: Change[] = [];
  if (owned === undefined) changes.push({ kind: 'createTargetGroup', group });
  else {
    if (healthCheckNeedsUpdate(owned.group, planned.healthCheck)) changes.push({ kind: 'setHealthCheck', group });
    const tags = entriesToChange(owned.tags, plan.tags);
    if (Object.keys(tags).length > 0) changes.push({ kind: 'tagTargetGroup', group, tags });
  }
  if (Object.keys(planned.attributes).length > 0) {
    const attributes = entriesToChange(owned === undefined ? {} : (details?.attributes ?? {}), planned.attributes);
    if (Object.keys(attributes).length > 0) changes.push({ kind: 'setTargetGroupAttributes', group, attributes });
  }
  const targets = targetChanges(owned === undefined ? [] : (details?.targets ?? []), planned.targets);
  if (targets.register.length > 0) changes.push({ kind: 'registerTargets', group, targets: targets.register });
  if (targets.deregister.length > 0) changes.push({ kind: 'deregisterTargets', group, targets: targets.deregister });
  return changes;
}

function listenerChanges(
  plan: Plan,
  kept: LoadBalancer | undefined,
  listeners: readonly ElbListener[],
  arns: ReadonlyMap<string, string>,
): Change[] {
  const have = kept === undefined ? [] : listeners;
  const byPort = new Map(have.map((l) => [l.Port, l]));
  const changes: Change[] = [];
  for (const wanted of plan.listeners) {
    const current = byPort.get(wanted.port);
    const groupArn = arns.get(wanted.targetGroupName);
    if (current?.ListenerArn === undefined) changes.push({ kind: 'createListener', port: wanted.port });
    else if (groupArn === undefined || listenerNeedsUpdate(current, wanted, groupArn))
      changes.push({ kind: 'modifyListener', port: wanted.port, arn: current.ListenerArn });
  }
  const wantedPorts = new Set(plan.listeners.map((l) => l.port));
  for (const l of have)
    if (l.ListenerArn !== undefined && !wantedPorts.has(l.Port ?? -1))
      changes.push({ kind: 'deleteListener', arn: l.ListenerArn });
  return changes;
}

/**
 * The changes that make AWS match `plan`, in the order they must apply: NLBs being replaced go
 * first, then the security group (the NLB is created with it), the NLB, its target groups, its
 * listeners (they forward to the groups), and last the groups no listener uses any more. Throws
 * PermanentError for what no change can fix (a name held by someone else). Pure.
 */
export function diffLoadBalancer(plan: Plan, state: EnsureState): LoadBalancerDiff {
  refuseImpossible(plan, state);
  const kept = keptLoadBalancer(state, plan);
  const changes: Change[] = [];
  if (state.loadBalancer?.LoadBalancerArn !== undefined && kept === undefined)
    changes.push({ kind: 'deleteLoadBalancer', arn: state.loadBalancer.LoadBalancerArn, because: 'scheme' });
  if (kept === undefined)
    for (const arn of state.previousLoadBalancers) changes.push({ kind: 'deleteLoadBalancer', arn, because: 'name' });

  const sg = securityGroupChanges(plan, state, kept);
  changes.push(...sg.changes, ...loadBalancerChanges(plan, state, kept, sg.securityGroupID));

  const targetGroupArns = new Map<string, string>();
  for (const planned of plan.targetGroups) {
    const found = existingGroup(state, planned.name);
    if (found !== undefined && found !== 'foreign' && found.group.TargetGroupArn !== undefined)
      targetGroupArns.set(planned.name, found.group.TargetGroupArn);
    changes.push(...targetGroupChanges(planned, plan, state));
  }
  changes.push(...listenerChanges(plan, kept, state.listeners, targetGroupArns));

  const wanted = new Set(plan.targetGroups.map((g) => g.name));
  const unwanted = state.targetGroups
    .filter((g) => !wanted.has(g.group.TargetGroupName ?? ''))
    .map((g) => g.group.TargetGroupArn ?? '');
  if (unwanted.length > 0) changes.push({ kind: 'deleteTargetGroups', arns: unwanted });

  return { known: { loadBalancer: kept, securityGroupID: sg.securityGroupID, targetGroupArns }, changes };
}
