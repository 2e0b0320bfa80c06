// Which subnets an NLB goes into: the annotation, else spec.aws.subnetIDs, else the subnets tagged
// for load balancers in this cluster (one per availability zone, lowest ID first).
import type { Subnet } from '@aws-sdk/client-ec2';
import { ProviderError } from '../../src/provider/errors/index.ts';
import type { AwsContext } from './context.ts';
import { SUBNET_CACHE_MS } from './context.ts';
import { clusterTagKey } from './tags.ts';

export interface SubnetChoice {
  readonly subnets: readonly string[];
  /** Resolves the VPC only when needed (creating a security group or a target group). */
  readonly vpcID: () => Promise<string>;
}

/** One subnet per zone, the lowest ID in each, zones in order. Pure. */
export function onePerZone(subnets: readonly Subnet[]): string[] {
  const byZone = new Map<string, string>();
  for (const s of subnets) {
    if (s.SubnetId === undefined) continue;
    const zone = s.AvailabilityZone ?? s.AvailabilityZoneId ?? s.SubnetId;
    const have = byZone.get(zone);
    if (have === undefined || s.SubnetId < have) byZone.set(zone, s.SubnetId);
  }
  return [...byZone.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, id]) => id);
}

export async function chooseSubnets(
  ctx: AwsContext,
  fromAnnotation: readonly string[] | undefined,
  scheme: string,
  signal: AbortSignal,
): Promise<SubnetChoice> {
  const explicit = fromAnnotation ?? ctx.spec.subnetIDs;
  if (explicit !== undefined) {
    let vpc: Promise<string> | undefined;
    return {
      subnets: explicit,
      vpcID: () => {
        if (ctx.spec.vpcID !== undefined) return Promise.resolve(ctx.spec.vpcID);
        vpc ??= ctx.api.subnets(undefined, explicit, signal).then((found) => {
          const id = found[0]?.VpcId;
          if (id === undefined)
            throw new ProviderError(`Subnets ${explicit.join(', ')} were not found.`, {
              operation: 'ec2:DescribeSubnets',
              code: 'SubnetNotFound',
            });
          return id;
        });
        return vpc;
      },
    };
  }
  const cached = ctx.discoveredSubnets.get(scheme);
  if (cached !== undefined && performance.now() - cached.at < SUBNET_CACHE_MS) {
    return { subnets: cached.subnets, vpcID: () => Promise.resolve(cached.vpcID) };
  }
  const roleTag = scheme === 'internal' ? 'kubernetes.io/role/internal-elb' : 'kubernetes.io/role/elb';
  const filters = [
    { Name: 'tag-key', Values: [roleTag] },
    { Name: 'tag-key', Values: [clusterTagKey(ctx.clusterName)] },
    ...(ctx.spec.vpcID !== undefined ? [{ Name: 'vpc-id', Values: [ctx.spec.vpcID] }] : []),
  ];
  const found = await ctx.api.subnets(filters, undefined, signal);
  const subnets = onePerZone(found);
  const vpcID = ctx.spec.vpcID ?? found.find((s) => s.SubnetId === subnets[0])?.VpcId;
  if (subnets.length === 0 || vpcID === undefined) {
    throw new ProviderError(
      `No subnet carries the tags ${roleTag} and ${clusterTagKey(ctx.clusterName)}; tag the subnets for ${scheme} load balancers or set spec.aws.subnetIDs.`,
      { operation: 'ec2:DescribeSubnets', code: 'NoTaggedSubnets' },
    );
  }
  ctx.discoveredSubnets.set(scheme, { subnets, vpcID, at: performance.now() });
  return { subnets, vpcID: () => Promise.resolve(vpcID) };
}
