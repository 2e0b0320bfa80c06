// Reads what exists for one Service: the NLB carrying our tags under the planned name, its
// listeners, and the target groups attached to it that carry our tags.
import type { Listener, LoadBalancer, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancerRef } from '../../src/provider/contract.ts';
import type { AwsApi } from './api.ts';
import { isOwnedBy } from './tags.ts';

export interface CurrentState {
  readonly loadBalancer: LoadBalancer | undefined;
  readonly loadBalancerTags: Readonly<Record<string, string>>;
  readonly listeners: readonly Listener[];
  /** Our target groups attached to the NLB, with their tags. */
  readonly targetGroups: readonly { readonly group: TargetGroup; readonly tags: Readonly<Record<string, string>> }[];
  /** Same-named NLBs that are not ours: never touched. */
  readonly foreignCount: number;
}

const EMPTY = { loadBalancer: undefined, loadBalancerTags: {}, listeners: [], targetGroups: [] };

export async function readCurrent(
  api: AwsApi,
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
 * ARNs of this Service's NLBs under another name (the name annotation changed), found through
 * its target groups, whose names do not depend on the NLB's, and kept only when tagged as ours.
 */
export async function loadBalancersUnderOtherNames(
  api: AwsApi,
  groupNames: readonly string[],
  ref: LoadBalancerRef,
  signal: AbortSignal,
): Promise<string[]> {
  const arns = new Set<string>();
  for (const name of groupNames)
    for (const group of await api.targetGroupsByName(name, signal))
      for (const arn of group.LoadBalancerArns ?? []) arns.add(arn);
  if (arns.size === 0) return [];
  const tags = await api.tagsOf([...arns], signal);
  return [...arns].filter((arn) => isOwnedBy(tags.get(arn) ?? {}, ref));
}
