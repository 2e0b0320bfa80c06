// Reads what exists for one Service: the NLB carrying our tags under the planned name, its
// listeners, and the target groups attached to it that carry our tags.
import type { Listener, LoadBalancer, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancerRef } from '../../src/provider/contract.ts';
import type { Elbv2Api } from './api/elbv2.ts';
import { isOwnedBy } from './ownership.ts';

/** A target group carrying this Service's tags. */
export interface OwnedTargetGroup {
  readonly group: TargetGroup;
  readonly tags: Readonly<Record<string, string>>;
}

export interface CurrentState {
  readonly loadBalancer: LoadBalancer | undefined;
  readonly loadBalancerTags: Readonly<Record<string, string>>;
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
