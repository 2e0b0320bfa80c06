// Reads what exists for one Service: the NLB carrying our tags under the planned name, its
// listeners and our target groups attached to it (readCurrent, shared with delete), and for
// ensure everything else its diff needs (readForEnsure), before anything is written.
import type { SecurityGroup } from '@aws-sdk/client-ec2';
import type { Listener, LoadBalancer, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancerRef } from '../../src/provider/contract.ts';
import { rulesFromPermissions, type Ec2Api } from './api/ec2.ts';
import type { Elbv2Api } from './api/elbv2.ts';
import type { AwsContext } from './context.ts';
import { keptLoadBalancer, targetGroupNeedsReplacement } from './diff.ts';
import { isOwnedBy, tagMap } from './ownership.ts';
import type { Plan, PlannedTarget, SecurityGroupRule } from './plan.ts';
import { chooseSubnets } from './subnets.ts';

type Tags = Readonly<Record<string, string>>;

/** A target group carrying this Service's tags. */
export interface OwnedTargetGroup {
  readonly group: TargetGroup;
  readonly tags: Tags;
}

export interface CurrentState {
  readonly loadBalancer: LoadBalancer | undefined;
  readonly loadBalancerTags: Tags;
  readonly listeners: readonly Listener[];
  /** Our target groups attached to the NLB, with their tags. */
  readonly targetGroups: readonly OwnedTargetGroup[];
  /** Same-named NLBs that are not ours: never touched. */
  readonly foreignCount: number;
}

const EMPTY = { loadBalancer: undefined, loadBalancerTags: {}, listeners: [], targetGroups: [] };

export async function readCurrent(
  api: Elbv2Api,
  nlbName: string,
  ref: LoadBalancerRef,
  signal: AbortSignal,
): Promise<CurrentState> {
  const candidates = (await api.loadBalancersByName(nlbName, signal)).filter((lb) => lb.LoadBalancerArn !== undefined);
  if (candidates.length === 0) return { ...EMPTY, foreignCount: 0 };
  if (candidates.length === 1) {
    // The common case: read listeners, groups and all tags in three calls.
    const lb = candidates[0] as LoadBalancer & { LoadBalancerArn: string };
    const [listeners, groups] = await Promise.all([
      api.listeners(lb.LoadBalancerArn, signal),
      api.targetGroupsOf(lb.LoadBalancerArn, signal),
    ]);
    const tags = await api.tagsOf(
      [lb.LoadBalancerArn, ...groups.flatMap((g) => (g.TargetGroupArn === undefined ? [] : [g.TargetGroupArn]))],
      signal,
    );
    const lbTags = tags.get(lb.LoadBalancerArn) ?? {};
    if (!isOwnedBy(lbTags, ref)) return { ...EMPTY, foreignCount: 1 };
    return {
      loadBalancer: lb,
      loadBalancerTags: lbTags,
      listeners,
      targetGroups: ownedGroups(groups, tags, ref),
      foreignCount: 0,
    };
  }
  const lbTags = await api.tagsOf(
    candidates.map((lb) => lb.LoadBalancerArn ?? ''),
    signal,
  );
  const ours = candidates.find((lb) => isOwnedBy(lbTags.get(lb.LoadBalancerArn ?? '') ?? {}, ref));
  const foreignCount = candidates.length - (ours === undefined ? 0 : 1);
  if (ours?.LoadBalancerArn === undefined) return { ...EMPTY, foreignCount };
  const [listeners, groups] = await Promise.all([
    api.listeners(ours.LoadBalancerArn, signal),
    api.targetGroupsOf(ours.LoadBalancerArn, signal),
  ]);
  const groupTags = await api.tagsOf(
    groups.flatMap((g) => (g.TargetGroupArn === undefined ? [] : [g.TargetGroupArn])),
    signal,
  );
  return {
    loadBalancer: ours,
    loadBalancerTags: lbTags.get(ours.LoadBalancerArn) ?? {},
    listeners,
    targetGroups: ownedGroups(groups, groupTags, ref),
    foreignCount,
  };
}

function ownedGroups(
  groups: readonly TargetGroup[],
  tags: ReadonlyMap<string, Record<string, string>>,
  ref: LoadBalancerRef,
) {
  return groups.flatMap((group) => {
    const t = tags.get(group.TargetGroupArn ?? '') ?? {};
    return isOwnedBy(t, ref) ? [{ group, tags: t }] : [];
  });
}

/**
 * Planned target groups that are not attached to our NLB (a new port, a create whose listener
 * failed, an NLB being replaced), looked up by name: ours with its tags, or 'foreign' when only
 * someone else's carries the name. Names with nothing behind them are absent.
 */
export async function targetGroupsByName(
  api: Elbv2Api,
  names: readonly string[],
  ref: LoadBalancerRef,
  signal: AbortSignal,
): Promise<Map<string, OwnedTargetGroup | 'foreign'>> {
  // One Describe per name: AWS fails a call naming several groups when any of them is missing.
  const found = (await Promise.all(names.map((name) => api.targetGroupsByName(name, signal))))
    .flat()
    .filter((g) => g.TargetGroupArn !== undefined);
  const result = new Map<string, OwnedTargetGroup | 'foreign'>();
  if (found.length === 0) return result;
  const tags = await api.tagsOf(
    found.map((g) => g.TargetGroupArn ?? ''),
    signal,
  );
  for (const group of found) {
    const name = group.TargetGroupName ?? '';
    const t = tags.get(group.TargetGroupArn ?? '') ?? {};
    if (isOwnedBy(t, ref)) result.set(name, { group, tags: t });
    else if (!result.has(name)) result.set(name, 'foreign');
  }
  return result;
}

/**
 * This Service's NLBs that hold `groups`: after the name annotation changed, the NLB under the old
 * name is found through its target groups, whose names do not depend on the NLB's. Kept only when
 * tagged as ours.
 */
export async function loadBalancersHolding(
  api: Elbv2Api,
  groups: readonly OwnedTargetGroup[],
  ref: LoadBalancerRef,
  signal: AbortSignal,
): Promise<string[]> {
  const arns = [...new Set(groups.flatMap((g) => g.group.LoadBalancerArns ?? []))];
  if (arns.length === 0) return [];
  const tags = await api.tagsOf(arns, signal);
  return arns.filter((arn) => isOwnedBy(tags.get(arn) ?? {}, ref));
}

/** The Service's security groups (by tag), each checked for our tags before anything is changed. */
export async function ownedSecurityGroups(
  api: Ec2Api,
  ref: LoadBalancerRef,
  signal: AbortSignal,
): Promise<SecurityGroup[]> {
  const groups = await api.ownedSecurityGroups(ref.ownership.clusterName, ref.ownership.serviceUID, signal);
  return groups.filter((g) => isOwnedBy(tagMap(g.Tags), ref));
}

export const CROSS_ZONE_ATTRIBUTE = 'load_balancing.cross_zone.enabled';

/** The Service's security group as read, in the provider's terms. */
export interface OwnedSecurityGroup {
  readonly groupID: string;
  readonly tags: Tags;
  readonly rules: readonly SecurityGroupRule[];
}

/** What a planned target group that exists holds now. */
export interface TargetGroupDetails {
  readonly targets: readonly PlannedTarget[];
  /** Read only when the plan sets attributes. */
  readonly attributes: Tags | undefined;
}

/**
 * Everything ensure reads before it writes anything: the NLB under the planned name with its
 * listeners and our attached target groups (CurrentState), and what its diff needs besides.
 */
export interface EnsureState extends CurrentState {
  /** Planned target groups not attached to that NLB, by name: ours, or 'foreign'. */
  readonly unattachedGroups: ReadonlyMap<string, OwnedTargetGroup | 'foreign'>;
  /** Our NLBs under another name that hold our target groups (the name annotation changed). */
  readonly previousLoadBalancers: readonly string[];
  readonly subnets: readonly string[];
  readonly securityGroups: readonly OwnedSecurityGroup[];
  /** The kept NLB's cross-zone attribute, read only when the plan sets it. */
  readonly crossZone: string | undefined;
  /** By target group name, for the planned groups that exist and are ours. */
  readonly groupDetails: ReadonlyMap<string, TargetGroupDetails>;
}

export interface ReadForEnsure {
  readonly state: EnsureState;
  /** The VPC for a new security group or target group, resolved only when one is created. */
  readonly vpcID: () => Promise<string>;
}

/**
 * Everything ensure's diff needs, read before any write. When only someone else's NLB carries the
 * planned name nothing more is read: the diff refuses that case first.
 */
export async function readForEnsure(
  ctx: AwsContext,
  plan: Plan,
  ref: LoadBalancerRef,
  signal: AbortSignal,
): Promise<ReadForEnsure> {
  const { elbv2 } = ctx;
  const current = await readCurrent(elbv2, plan.nlbName, ref, signal);
  if (current.loadBalancer === undefined && current.foreignCount > 0) {
    const state: EnsureState = {
      ...current,
      unattachedGroups: new Map(),
      previousLoadBalancers: [],
      subnets: [],
      securityGroups: [],
      crossZone: undefined,
      groupDetails: new Map(),
    };
    return { state, vpcID: () => Promise.reject(new Error('no VPC is read for a refused NLB')) };
  }
  const kept = keptLoadBalancer(current, plan);
  const attached = new Set(current.targetGroups.map((g) => g.group.TargetGroupName ?? ''));
  const unattachedGroups = await targetGroupsByName(
    elbv2,
    plan.targetGroups.map((g) => g.name).filter((name) => !attached.has(name)),
    ref,
    signal,
  );
  const ours = [...unattachedGroups.values()].filter((g): g is OwnedTargetGroup => g !== 'foreign');
  const previousLoadBalancers = kept === undefined ? await loadBalancersHolding(elbv2, ours, ref, signal) : [];
  const subnets = await chooseSubnets(ctx, plan.subnets, plan.scheme, signal);
  const securityGroups = (await ownedSecurityGroups(ctx.ec2, ref, signal)).flatMap((g) =>
    g.GroupId === undefined
      ? []
      : [{ groupID: g.GroupId, tags: tagMap(g.Tags), rules: rulesFromPermissions(g.IpPermissions) }],
  );
  const crossZone =
    kept?.LoadBalancerArn !== undefined && plan.crossZone !== undefined
      ? (await elbv2.loadBalancerAttributes(kept.LoadBalancerArn, signal))[CROSS_ZONE_ATTRIBUTE]
      : undefined;
  const groupDetails = await readGroupDetails(elbv2, plan, [...current.targetGroups, ...ours], signal);
  const vpcID = kept?.VpcId;
  return {
    state: {
      ...current,
      unattachedGroups,
      previousLoadBalancers,
      subnets: subnets.subnets,
      securityGroups,
      crossZone,
      groupDetails,
    },
    vpcID: vpcID === undefined ? subnets.vpcID : () => Promise.resolve(vpcID),
  };
}

/**
 * Registered targets (and attributes, when planned) of the planned groups that exist and are ours,
 * except a group that needs replacing: the diff refuses it without looking inside.
 */
async function readGroupDetails(
  elbv2: Elbv2Api,
  plan: Plan,
  existing: readonly OwnedTargetGroup[],
  signal: AbortSignal,
): Promise<Map<string, TargetGroupDetails>> {
  const byName = new Map(existing.map((g) => [g.group.TargetGroupName ?? '', g]));
  const read = await Promise.all(
    plan.targetGroups.map(async (planned) => {
      const group = byName.get(planned.name)?.group;
      const arn = group?.TargetGroupArn;
      if (group === undefined || arn === undefined || targetGroupNeedsReplacement(group, planned)) return [];
      const attributes =
        Object.keys(planned.attributes).length > 0 ? await elbv2.targetGroupAttributes(arn, signal) : undefined;
      const targets = await elbv2.registeredTargets(arn, signal);
      return [[planned.name, { targets, attributes }] as const];
    }),
  );
  return new Map(read.flat());
}
