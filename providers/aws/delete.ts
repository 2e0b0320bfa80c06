// delete(): the NLB (its listeners go with it), then its target groups once AWS releases them
// (and any of ours left unattached by a crash), then the security group. Only resources carrying the Service's ownership tags are touched.
import type { LoadBalancerRef } from '../../src/provider/contract.ts';
import type { AwsContext } from './context.ts';
import { loadBalancerName } from './names.ts';
import { readCurrent } from './read.ts';
import { deleteSecurityGroups } from './security-group.ts';
import { isOwnedBy } from './ownership.ts';
import { deleteTargetGroups } from './target-groups.ts';

export async function deleteLoadBalancer(ctx: AwsContext, ref: LoadBalancerRef, signal: AbortSignal): Promise<void> {
  const { elbv2: api } = ctx;
  const names = [
    ...new Set(
      [ctx.nlbNames.get(ref.ownership.serviceUID), loadBalancerName(ref.name)].filter(
        (n): n is string => n !== undefined,
      ),
    ),
  ];
  let found = false;
  for (const name of names) {
    const current = await readCurrent(api, name, ref, signal);
    if (current.loadBalancer?.LoadBalancerArn === undefined) continue;
    found = true;
    await api.deleteLoadBalancer(current.loadBalancer.LoadBalancerArn, signal);
    ctx.log.info({ nlb: name, service: ref.ownership.serviceUID }, 'deleted NLB');
    await deleteTargetGroups(
      api,
      current.targetGroups.map((g) => g.group.TargetGroupArn ?? ''),
      signal,
    );
  }
  if (!found) {
    // No NLB under the names we know (a custom name from a previous instance, or a create that
    // stopped half-way): find what carries the Service's tags.
    const owned = await scanOwnedElb(ctx, ref, signal);
    for (const arn of owned.loadBalancers) await api.deleteLoadBalancer(arn, signal);
    await deleteTargetGroups(api, owned.targetGroups, signal);
  } else {
    // A target group that never got its listener (a crash between CreateTargetGroup and
    // CreateListener, or between removing a port's listener and its group) is not reachable from
    // the NLB. Such groups are attached to no load balancer, which is rare, so only those are
    // checked for our tags.
    await deleteTargetGroups(api, await unattachedOwnedTargetGroups(ctx, ref, signal), signal);
  }
  await deleteSecurityGroups(ctx.ec2, ref, signal);
  ctx.nlbNames.delete(ref.ownership.serviceUID);
}

async function scanOwnedElb(
  ctx: AwsContext,
  ref: LoadBalancerRef,
  signal: AbortSignal,
): Promise<{ loadBalancers: string[]; targetGroups: string[] }> {
  const loadBalancers: string[] = [];
  for await (const page of ctx.elbv2.allLoadBalancers(signal)) {
    const tags = await ctx.elbv2.tagsOf(
      page.map((lb) => lb.LoadBalancerArn ?? ''),
      signal,
    );
    for (const [arn, t] of tags) if (isOwnedBy(t, ref)) loadBalancers.push(arn);
  }
  const targetGroups: string[] = [];
  for await (const page of ctx.elbv2.allTargetGroups(signal)) {
    const tags = await ctx.elbv2.tagsOf(
      page.map((g) => g.TargetGroupArn ?? ''),
      signal,
    );
    for (const [arn, t] of tags) if (isOwnedBy(t, ref)) targetGroups.push(arn);
  }
  return { loadBalancers, targetGroups };
}

async function unattachedOwnedTargetGroups(
  ctx: AwsContext,
  ref: LoadBalancerRef,
  signal: AbortSignal,
): Promise<string[]> {
  const owned: string[] = [];
  for await (const page of ctx.elbv2.allTargetGroups(signal)) {
    const unattached = page.filter((g) => (g.LoadBalancerArns ?? []).length === 0).map((g) => g.TargetGroupArn ?? '');
    if (unattached.length === 0) continue;
    const tags = await ctx.elbv2.tagsOf(unattached, signal);
    for (const [arn, t] of tags) if (isOwnedBy(t, ref)) owned.push(arn);
  }
  return owned;
}
