// delete(): the NLB (its listeners go with it), then its target groups once AWS releases them
// (and any of ours left unattached by a crash), then the security group. Only resources carrying the Service's ownership tags are touched.
import type { LoadBalancerRef } from '../../src/provider/contract.ts';
import { RetryAfterError } from '../../src/provider/errors/index.ts';
import { sleep } from '../../src/provider/sleep.ts';
import type { Ec2Api } from './api/ec2.ts';
import type { Elbv2Api } from './api/elbv2.ts';
import type { AwsContext } from './context.ts';
import { isStillInUse } from './errors.ts';
import { loadBalancerName } from './names.ts';
import { isOwnedBy } from './ownership.ts';
import { ownedSecurityGroups, readCurrent } from './read.ts';

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

/**
 * Deletes target groups. Right after DeleteLoadBalancer AWS answers ResourceInUse until the NLB is
 * fully gone: wait a little, then ask to be called again.
 */
export async function deleteTargetGroups(
  api: Elbv2Api,
  arns: readonly string[],
  signal: AbortSignal,
  waitMs = 20_000,
): Promise<void> {
  const deadline = performance.now() + waitMs;
  for (const arn of arns) {
    for (let delay = 250; ; delay = Math.min(delay * 2, 4_000)) {
      try {
        await api.deleteTargetGroup(arn, signal);
        break;
      } catch (error) {
        if (!isStillInUse(error)) throw error;
        if (performance.now() + delay > deadline) {
          throw new RetryAfterError(
            `Target group ${arn} is still in use while its load balancer is being deleted.`,
            10_000,
            { cause: error },
          );
        }
        await sleep(delay, signal);
      }
    }
  }
}

/**
 * Deletes the Service's security groups. AWS keeps the NLB's network interfaces in the group for
 * a while after the NLB is gone (DependencyViolation): wait a little, then ask to be called again.
 */
export async function deleteSecurityGroups(
  api: Ec2Api,
  ref: LoadBalancerRef,
  signal: AbortSignal,
  waitMs = 20_000,
): Promise<number> {
  const groups = await ownedSecurityGroups(api, ref, signal);
  const deadline = performance.now() + waitMs;
  for (const g of groups) {
    if (g.GroupId === undefined) continue;
    for (let delay = 500; ; delay = Math.min(delay * 2, 5_000)) {
      try {
        await api.deleteSecurityGroup(g.GroupId, signal);
        break;
      } catch (error) {
        if (!isStillInUse(error)) throw error;
        if (performance.now() + delay > deadline) {
          throw new RetryAfterError(
            `Security group ${g.GroupId} is still in use by the deleted NLB's network interfaces.`,
            15_000,
            { cause: error },
          );
        }
        await sleep(delay, signal);
      }
    }
  }
  return groups.length;
}
