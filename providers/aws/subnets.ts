// Which subnets an NLB goes into: the annotation, else spec.aws.subnetIDs, else the subnets tagged
// for load balancers in this cluster (one per availability zone, lowest ID first).
import type { Subnet } from '@aws-sdk/client-ec2';
import { ProviderError } from '../../src/provider/errors/index.ts';
import type { AwsContext } from './context.ts';
import { SUBNET_CACHE_MS } from './context.ts';
import { clusterTagKey } from './ownership.ts';

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
    return {
      subnets: explicit,
      vpcID: async () => ctx.spec.vpcID ?? (await vpcOfSubnets(ctx, explicit, signal)),
    };
  }
  const cached = ctx.discoveredSubnets.get(scheme);
  if (cached !== undefined && performance.now() - cached.at < SUBNET_CACHE_MS) {
    return { subnets: cached.subnets, vpcID: () => Promise.resolve(cached.vpcID) };
  }
  // One lookup at a time per scheme: the many Services of a resync that miss the cache together
  // share it instead of each asking EC2.
  let pending = ctx.discoveringSubnets.get(scheme);
  if (pending === undefined) {
    pending = discover(ctx, scheme, signal).finally(() => ctx.discoveringSubnets.delete(scheme));
    ctx.discoveringSubnets.set(scheme, pending);
  }
  const found = await pending;
  return { subnets: found.subnets, vpcID: () => Promise.resolve(found.vpcID) };
}

async function discover(
  ctx: AwsContext,
  scheme: string,
  signal: AbortSignal,
): Promise<{ subnets: string[]; vpcID: string }> {
  const roleTag = scheme === 'internal' ? 'kubernetes.io/role/internal-elb' : 'kubernetes.io/role/elb';
  const filters = [
    { Name: 'tag-key', Values: [roleTag] },
    { Name: 'tag-key', Values: [clusterTagKey(ctx.clusterName)] },
    ...(ctx.spec.vpcID !== undefined ? [{ Name: 'vpc-id', Values: [ctx.spec.vpcID] }] : []),
  ];
  const found = await ctx.ec2.subnets(filters, undefined, signal);
  const subnets = onePerZone(found);
  const vpcID = ctx.spec.vpcID ?? found.find((s) => s.SubnetId === subnets[0])?.VpcId;
  if (subnets.length === 0 || vpcID === undefined) {
    throw new ProviderError(
      `No subnet carries the tags ${roleTag} and ${clusterTagKey(ctx.clusterName)}; tag the subnets for ${scheme} load balancers or set spec.aws.subnetIDs.`,
      { operation: 'ec2:DescribeSubnets', code: 'NoTaggedSubnets' },
    );
  }
  ctx.discoveredSubnets.set(scheme, { subnets, vpcID, at: performance.now() });
  return { subnets, vpcID };
}

/** The VPC of explicitly named subnets, asked once per provider instance (and shared while asked). */
function vpcOfSubnets(ctx: AwsContext, ids: readonly string[], signal: AbortSignal): Promise<string> {
  const key = `vpc-of:${ids.join(',')}`;
  const known = ctx.discoveredSubnets.get(key);
  if (known !== undefined) return Promise.resolve(known.vpcID);
  let pending = ctx.discoveringSubnets.get(key);
  if (pending === undefined) {
    pending = ctx.ec2
      .subnets(undefined, ids, signal)
      .then((found) => {
        const vpcID = found[0]?.VpcId;
        if (vpcID === undefined)
          throw new ProviderError(`Subnets ${ids.join(', ')} were not found.`, {
            operation: 'ec2:DescribeSubnets',
            code: 'SubnetNotFound',
          });
        const entry = { subnets: [...ids], vpcID, at: performance.now() };
        ctx.discoveredSubnets.set(key, entry);
        return entry;
      })
      .finally(() => ctx.discoveringSubnets.delete(key));
    ctx.discoveringSubnets.set(key, pending);
  }
  return pending.then((e) => e.vpcID);
}
