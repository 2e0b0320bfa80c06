// ensure(): read what exists, then create what is missing, change what differs, remove what is
// no longer wanted — and write nothing when everything is right.
import type { LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { DesiredLoadBalancer, IngressPoint, LoadBalancerStatus } from '../../src/provider/contract.ts';
import { PermanentError, ProviderError } from '../../src/provider/errors/index.ts';
import { ANNOTATION_PREFIX, parseAnnotations } from './annotations.ts';
import type { AwsContext } from './context.ts';
import { entriesToChange, listenerNeedsUpdate, securityGroupsNeedUpdate, subnetsNeedUpdate } from './diff.ts';
import { planLoadBalancer, type Plan } from './plan.ts';
import { loadBalancersHolding, readCurrent, targetGroupsByName, type OwnedTargetGroup } from './read.ts';
import { ensureSecurityGroup } from './security-group.ts';
import { chooseSubnets } from './subnets.ts';
import { deleteTargetGroups, ensureTargetGroup } from './target-groups.ts';

const CROSS_ZONE_ATTRIBUTE = 'load_balancing.cross_zone.enabled';

export async function ensureLoadBalancer(
  ctx: AwsContext,
  lb: DesiredLoadBalancer,
  signal: AbortSignal,
): Promise<LoadBalancerStatus> {
  const { options, problems } = parseAnnotations(lb.annotations);
  const problem = problems[0];
  if (problem !== undefined) throw new PermanentError(problem.message, { field: problem.field });
  const plan = planLoadBalancer(lb, options);
  const { elbv2: api } = ctx;
  let wrote = 0;

  const current = await readCurrent(api, plan.nlbName, lb, signal);
  let nlb = current.loadBalancer;
  let listeners = current.listeners;
  if (nlb === undefined && current.foreignCount > 0) {
    throw new PermanentError(
      `An NLB named ${plan.nlbName} exists but is not owned by this operator for this Service; it is left alone.`,
      options.name === undefined ? {} : { field: `metadata.annotations[${ANNOTATION_PREFIX}name]` },
    );
  }
  if (nlb !== undefined && nlb.Scheme !== plan.scheme) {
    // The scheme of an NLB is fixed at creation: replace it. Its target groups are kept and reused.
    ctx.log.info({ nlb: plan.nlbName, from: nlb.Scheme, to: plan.scheme }, 'replacing NLB to change its scheme');
    await api.deleteLoadBalancer(nlb.LoadBalancerArn ?? '', signal);
    wrote++;
    nlb = undefined;
    listeners = [];
  }
  const attached = new Map(current.targetGroups.map((g) => [g.group.TargetGroupName ?? '', g]));
  const unattached = await targetGroupsByName(
    api,
    plan.targetGroups.map((g) => g.name).filter((name) => !attached.has(name)),
    lb,
    signal,
  );
  if (nlb === undefined) {
    // The name annotation changed (or nothing exists yet): the NLB under the old name is replaced
    // like a scheme change, rather than left behind holding the target groups.
    const ours = [...unattached.values()].filter((g): g is OwnedTargetGroup => g !== 'foreign');
    for (const arn of await loadBalancersHolding(api, ours, lb, signal)) {
      ctx.log.info({ nlb: plan.nlbName, previous: arn }, 'replacing NLB to change its name');
      await api.deleteLoadBalancer(arn, signal);
      wrote++;
    }
  }
  ctx.nlbNames.set(lb.ownership.serviceUID, plan.nlbName);

  const subnets = await chooseSubnets(ctx, plan.subnets, plan.scheme, signal);
  if (plan.eipAllocations !== undefined && plan.eipAllocations.length !== subnets.subnets.length) {
    const key = `${ANNOTATION_PREFIX}eip-allocations`;
    throw new PermanentError(
      `${key} lists ${plan.eipAllocations.length} allocation(s) for ${subnets.subnets.length} subnet(s) (${subnets.subnets.join(', ')}); give exactly one per subnet.`,
      {
        field: `metadata.annotations[${key}]`,
      },
    );
  }
  const vpcID = nlb?.VpcId !== undefined ? () => Promise.resolve(nlb?.VpcId ?? '') : subnets.vpcID;

  const sg = await ensureSecurityGroup(
    ctx.ec2,
    {
      ref: lb,
      nlbName: plan.nlbName,
      rules: plan.ingressRules,
      tags: plan.tags,
      attached: nlb?.SecurityGroups ?? [],
      vpcID,
    },
    signal,
  );
  wrote += sg.wrote;

  if (nlb === undefined) {
    nlb = await api.createLoadBalancer(
      {
        name: plan.nlbName,
        scheme: plan.scheme,
        subnets: subnets.subnets,
        eipAllocations: plan.eipAllocations,
        securityGroup: sg.groupID,
        tags: plan.tags,
      },
      signal,
    );
    wrote++;
  } else {
    wrote += await updateLoadBalancer(ctx, nlb, plan, subnets.subnets, sg.groupID, current.loadBalancerTags, signal);
  }
  const nlbArn = nlb.LoadBalancerArn ?? '';
  if (plan.crossZone !== undefined) {
    const attrs = await api.loadBalancerAttributes(nlbArn, signal);
    if (attrs[CROSS_ZONE_ATTRIBUTE] !== String(plan.crossZone)) {
      await api.modifyLoadBalancerAttributes(nlbArn, { [CROSS_ZONE_ATTRIBUTE]: String(plan.crossZone) }, signal);
      wrote++;
    }
  }

  const groups = await Promise.all(
    plan.targetGroups.map((planned) =>
      ensureTargetGroup(
        api,
        {
          planned,
          existing: attached.get(planned.name) ?? unattached.get(planned.name),
          tags: plan.tags,
          vpcID,
        },
        signal,
      ),
    ),
  );
  wrote += groups.reduce((n, g) => n + g.wrote, 0);

  const listenerByPort = new Map(listeners.map((l) => [l.Port, l]));
  await Promise.all(
    plan.listeners.map(async (wanted, i) => {
      const tgArn = groups[i]?.arn ?? '';
      const have = listenerByPort.get(wanted.port);
      if (have?.ListenerArn === undefined) {
        await api.createListener(nlbArn, wanted, tgArn, plan.tags, signal);
        wrote++;
      } else if (listenerNeedsUpdate(have, wanted, tgArn)) {
        await api.modifyListener(have.ListenerArn, wanted, tgArn, signal);
        wrote++;
      }
    }),
  );
  const wantedPorts = new Set(plan.listeners.map((l) => l.port));
  for (const l of listeners) {
    if (l.ListenerArn !== undefined && !wantedPorts.has(l.Port ?? -1)) {
      await api.deleteListener(l.ListenerArn, signal);
      wrote++;
    }
  }
  const wantedGroups = new Set(plan.targetGroups.map((g) => g.name));
  const unwanted = current.targetGroups
    .filter((g) => !wantedGroups.has(g.group.TargetGroupName ?? ''))
    .map((g) => g.group.TargetGroupArn ?? '');
  if (unwanted.length > 0) {
    await deleteTargetGroups(api, unwanted, signal);
    wrote += unwanted.length;
  }

  if (nlb.State?.Code === 'failed') {
    throw new ProviderError(`NLB ${plan.nlbName} is in state failed: ${nlb.State.Reason ?? 'no reason given'}`, {
      operation: 'elbv2:DescribeLoadBalancers',
      code: 'LoadBalancerFailed',
    });
  }
  return statusOf(
    nlb,
    plan,
    groups.map((g) => g.targets),
    wrote > 0,
  );
}

async function updateLoadBalancer(
  ctx: AwsContext,
  nlb: LoadBalancer,
  plan: Plan,
  subnets: readonly string[],
  groupID: string,
  tags: Readonly<Record<string, string>>,
  signal: AbortSignal,
): Promise<number> {
  const arn = nlb.LoadBalancerArn ?? '';
  let wrote = 0;
  if (subnetsNeedUpdate(nlb, subnets)) {
    await ctx.elbv2.setSubnets(arn, subnets, signal);
    wrote++;
  }
  if (securityGroupsNeedUpdate(nlb, [groupID])) {
    await ctx.elbv2.setSecurityGroups(arn, [groupID], signal);
    wrote++;
  }
  const lacking = entriesToChange(tags, plan.tags);
  if (Object.keys(lacking).length > 0) {
    await ctx.elbv2.addTags([arn], lacking, signal);
    wrote++;
  }
  return wrote;
}

/** The NLB's IPs when AWS reports them (Elastic IPs, internal private addresses). */
export function addressesOf(nlb: LoadBalancer): string[] {
  return (nlb.AvailabilityZones ?? []).flatMap((z) =>
    (z.LoadBalancerAddresses ?? []).flatMap((a) =>
      [a.IpAddress, a.PrivateIPv4Address].filter((x): x is string => x !== undefined),
    ),
  );
}

export function statusOf(
  nlb: LoadBalancer,
  plan: Plan,
  targetCounts: readonly number[],
  changed: boolean,
): LoadBalancerStatus {
  const ingress: IngressPoint[] = [];
  if (nlb.DNSName !== undefined) ingress.push({ hostname: nlb.DNSName });
  for (const ip of addressesOf(nlb)) ingress.push({ ip, ipMode: 'Proxy' });
  const listeners = plan.listeners.map((l) => `${l.port}/${l.protocol}`).join(', ');
  const targets = targetCounts[0] ?? 0;
  const state = nlb.State?.Code === 'provisioning' ? ' (still provisioning)' : '';
  const skipped = plan.skippedTargets.map((s) => ` Node ${s.nodeName} is not a target because ${s.reason}.`).join('');
  return {
    ingress,
    summary: `NLB ${plan.nlbName} (${plan.scheme})${state} with listeners ${listeners} forwarding to ${targets} node${targets === 1 ? '' : 's'}.${skipped}`,
    changed,
  };
}
