// listOwned(): every Service this cluster has AWS resources for, found by tag — NLBs, and also
// target groups and security groups left behind without their NLB.
import type { LoadBalancerRef } from '../../src/provider/contract.ts';
import type { AwsContext } from './context.ts';
import { clusterTagKey, MANAGED_BY_KEY, MANAGED_BY_VALUE, refFromTags, tagMap } from './ownership.ts';

export async function* listOwnedLoadBalancers(ctx: AwsContext, signal: AbortSignal): AsyncGenerator<LoadBalancerRef> {
  const seen = new Set<string>();
  const fresh = (ref: LoadBalancerRef | undefined): ref is LoadBalancerRef => {
    if (ref === undefined || seen.has(ref.ownership.serviceUID)) return false;
    seen.add(ref.ownership.serviceUID);
    return true;
  };
  for await (const page of ctx.elbv2.allLoadBalancers(signal)) {
    const tags = await ctx.elbv2.tagsOf(
      page.map((lb) => lb.LoadBalancerArn ?? ''),
      signal,
    );
    for (const t of tags.values()) {
      const ref = refFromTags(t, ctx.clusterName);
      if (fresh(ref)) yield ref;
    }
  }
  for await (const page of ctx.elbv2.allTargetGroups(signal)) {
    const tags = await ctx.elbv2.tagsOf(
      page.map((g) => g.TargetGroupArn ?? ''),
      signal,
    );
    for (const t of tags.values()) {
      const ref = refFromTags(t, ctx.clusterName);
      if (fresh(ref)) yield ref;
    }
  }
  const groups = await ctx.ec2.securityGroups(
    [
      { Name: `tag:${clusterTagKey(ctx.clusterName)}`, Values: ['owned'] },
      { Name: `tag:${MANAGED_BY_KEY}`, Values: [MANAGED_BY_VALUE] },
    ],
    signal,
  );
  for (const g of groups) {
    const ref = refFromTags(tagMap(g.Tags), ctx.clusterName);
    if (fresh(ref)) yield ref;
  }
}
