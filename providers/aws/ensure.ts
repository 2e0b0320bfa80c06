// ensure(): one read of what exists (read.ts), one pure diff against the plan (diff.ts), then the
// changes applied in order — nothing is written when everything is right.
import type { LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import type {
  DesiredLoadBalancer,
  IngressPoint,
  LoadBalancerStatus,
  SkippedTarget,
  Target,
} from '../../src/provider/contract.ts';
import { ProviderError } from '../../src/provider/errors/index.ts';
import type { AwsOptions } from './annotations.ts';
import { applyChanges } from './apply.ts';
import type { AwsContext } from './context.ts';
import { diffLoadBalancer } from './diff.ts';
import { planLoadBalancer, type Plan } from './plan.ts';
import { readForEnsure } from './read.ts';
import { instanceIDFromProviderID } from './targets.ts';

export async function ensureLoadBalancer(
  ctx: AwsContext,
  lb: DesiredLoadBalancer<AwsOptions>,
  signal: AbortSignal,
): Promise<LoadBalancerStatus> {
  const plan = planLoadBalancer(lb, lb.options, ctx.spec.region);
  const { state, vpcID } = await readForEnsure(ctx, plan, lb, signal);
  const { known, changes } = diffLoadBalancer(plan, state);
  ctx.nlbNames.set(lb.ownership.serviceUID, plan.nlbName);
  const applied = await applyChanges(ctx, { plan, known, vpcID }, changes, signal);
  const nlb = applied.loadBalancer;
  if (nlb.State?.Code === 'failed') {
    throw new ProviderError(`NLB ${plan.nlbName} is in state failed: ${nlb.State.Reason ?? 'no reason given'}`, {
      operation: 'elbv2:DescribeLoadBalancers',
      code: 'LoadBalancerFailed',
    });
  }
  const skipped = [...plan.skippedTargets, ...refusedNodes(lb.targets, applied.refusedInstances)];
  return statusOf(nlb, { ...plan, skippedTargets: skipped }, applied.wrote > 0, applied.refusedInstances.size);
}

/** The nodes whose instances AWS would not take as targets, with why. */
export function refusedNodes(targets: readonly Target[], refused: ReadonlyMap<string, string>): SkippedTarget[] {
  return targets.flatMap((t) => {
    const id = instanceIDFromProviderID(t.providerID);
    const why = id === undefined ? undefined : refused.get(id);
    return why === undefined ? [] : [{ nodeName: t.nodeName, kind: 'instanceNotFound' as const, reason: why }];
  });
}

/** The NLB's IPs when AWS reports them (Elastic IPs, internal private addresses). */
export function addressesOf(nlb: LoadBalancer): string[] {
  return (nlb.AvailabilityZones ?? []).flatMap((z) =>
    (z.LoadBalancerAddresses ?? []).flatMap((a) =>
      [a.IpAddress, a.PrivateIPv4Address].filter((x): x is string => x !== undefined),
    ),
  );
}

/** `refusedCount`: planned instances AWS did not take, not counted among the targets. */
export function statusOf(nlb: LoadBalancer, plan: Plan, changed: boolean, refusedCount = 0): LoadBalancerStatus {
  const ingress: IngressPoint[] = [];
  if (nlb.DNSName !== undefined) ingress.push({ hostname: nlb.DNSName });
  for (const ip of addressesOf(nlb)) ingress.push({ ip, ipMode: 'Proxy' });
  const listeners = plan.listeners.map((l) => `${l.port}/${l.protocol}`).join(', ');
  const targets = (plan.targetGroups[0]?.targets.length ?? 0) - refusedCount;
  const state = nlb.State?.Code === 'provisioning' ? ' (still provisioning)' : '';
  const skipped = plan.skippedTargets.map((s) => ` Node ${s.nodeName} is not a target: ${s.reason}.`).join('');
  return {
    ingress,
    summary: `NLB ${plan.nlbName} (${plan.scheme})${state} with listeners ${listeners} forwarding to ${targets} node${targets === 1 ? '' : 's'}.${skipped}`,
    changed,
    ...(plan.skippedTargets.length > 0 && { skippedTargets: plan.skippedTargets }),
  };
}
