// ensure()'s last step: the changes diffLoadBalancer listed, performed in order. A change that
// creates something (the security group, the NLB, a target group) records its ID for the changes
// after it.
import type { LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import { PermanentError } from '../../src/provider/errors/index.ts';
import type { AwsContext } from './context.ts';
import { deleteTargetGroups } from './delete.ts';
import type { Change, Known } from './diff.ts';
import { errorCode } from './errors.ts';
import type { Plan } from './plan.ts';
import { CROSS_ZONE_ATTRIBUTE } from './read.ts';
import { registerTargets } from './register.ts';

export interface ApplyInput {
  readonly plan: Plan;
  readonly known: Known;
  readonly vpcID: () => Promise<string>;
}

/** Which changes may run side by side: those of different target groups, then of different listeners. */
function laneOf(change: Change): { readonly stage: string; readonly key: string } | undefined {
  switch (change.kind) {
    case 'createTargetGroup':
    case 'setHealthCheck':
    case 'tagTargetGroup':
    case 'setTargetGroupAttributes':
    case 'registerTargets':
    case 'deregisterTargets':
      return { stage: 'targetGroups', key: change.group };
    case 'createListener':
    case 'modifyListener':
      return { stage: 'listeners', key: String(change.port) };
    default:
      return undefined;
  }
}

/** Consecutive changes of one stage as chains by key; every other change alone. */
function chainsInOrder(changes: readonly Change[]): Change[][][] {
  const steps: Change[][][] = [];
  let stage: string | undefined;
  let chains = new Map<string, Change[]>();
  for (const change of changes) {
    const lane = laneOf(change);
    if (lane === undefined || lane.stage !== stage) {
      chains = new Map();
      steps.push([]);
      stage = lane?.stage;
    }
    const key = lane?.key ?? '';
    let chain = chains.get(key);
    if (chain === undefined) {
      chain = [];
      chains.set(key, chain);
      steps.at(-1)?.push(chain);
    }
    chain.push(change);
  }
  return steps;
}

export interface Applied {
  readonly loadBalancer: LoadBalancer;
  readonly wrote: number;
  /** Instances AWS would not take as targets (register.ts), with why, by instance ID. */
  readonly refusedInstances: ReadonlyMap<string, string>;
}

/**
 * Applies the changes in list order; the chains of one step run side by side, each in order.
 * Returns the NLB (kept or created) and how many writes were made.
 */
export async function applyChanges(
  ctx: AwsContext,
  input: ApplyInput,
  changes: readonly Change[],
  signal: AbortSignal,
): Promise<Applied> {
  const { plan, vpcID } = input;
  const { elbv2, ec2 } = ctx;
  let loadBalancer = input.known.loadBalancer;
  let securityGroupID = input.known.securityGroupID;
  const groupArns = new Map(input.known.targetGroupArns);
  const nlbArn = (): string => loadBalancer?.LoadBalancerArn ?? '';
  const sgID = (): string => securityGroupID ?? '';
  const groupArn = (name: string): string => groupArns.get(name) ?? '';
  const refusedInstances = new Map<string, string>();
  const planned = (name: string) => {
    const group = plan.targetGroups.find((g) => g.name === name);
    if (group === undefined) throw new Error(`target group ${name} is not planned`);
    return group;
  };
  const listener = (port: number) => {
    const wanted = plan.listeners.find((l) => l.port === port);
    if (wanted === undefined) throw new Error(`listener ${port} is not planned`);
    return wanted;
  };

  /** Performs one change; resolves to the number of writes it made. */
  const run = async (change: Change): Promise<number> => {
    switch (change.kind) {
      case 'deleteLoadBalancer':
        ctx.log.info({ nlb: plan.nlbName, previous: change.arn }, `replacing NLB to change its ${change.because}`);
        await elbv2.deleteLoadBalancer(change.arn, signal);
        return 1;
      case 'createSecurityGroup':
        securityGroupID = await createSecurityGroup(ctx, plan, change.name, await vpcID(), signal);
        return 1;
      case 'tagSecurityGroup':
        await ec2.createTags(sgID(), change.tags, signal);
        return 1;
      case 'authorizeIngress':
        await ec2.authorizeIngress(sgID(), change.rules, signal);
        return 1;
      case 'revokeIngress':
        await ec2.revokeIngress(sgID(), change.rules, signal);
        return 1;
      case 'createLoadBalancer':
        loadBalancer = await elbv2.createLoadBalancer(
          {
            name: plan.nlbName,
            scheme: plan.scheme,
            subnets: change.subnets,
            eipAllocations: plan.eipAllocations,
            securityGroup: sgID(),
            tags: plan.tags,
          },
          signal,
        );
        return 1;
      case 'setSubnets':
        await elbv2.setSubnets(nlbArn(), change.subnets, signal);
        return 1;
      case 'setSecurityGroups':
        await elbv2.setSecurityGroups(nlbArn(), [sgID()], signal);
        return 1;
      case 'tagLoadBalancer':
        await elbv2.addTags([nlbArn()], change.tags, signal);
        return 1;
      case 'setCrossZone': {
        const wanted = String(change.enabled);
        const current = change.current ?? (await elbv2.loadBalancerAttributes(nlbArn(), signal))[CROSS_ZONE_ATTRIBUTE];
        if (current === wanted) return 0;
        await elbv2.modifyLoadBalancerAttributes(nlbArn(), { [CROSS_ZONE_ATTRIBUTE]: wanted }, signal);
        return 1;
      }
      case 'createTargetGroup': {
        const created = await elbv2.createTargetGroup(planned(change.group), await vpcID(), plan.tags, signal);
        groupArns.set(change.group, created.TargetGroupArn ?? '');
        return 1;
      }
      case 'setHealthCheck':
        await elbv2.modifyTargetGroupHealthCheck(groupArn(change.group), planned(change.group).healthCheck, signal);
        return 1;
      case 'tagTargetGroup':
        await elbv2.addTags([groupArn(change.group)], change.tags, signal);
        return 1;
      case 'setTargetGroupAttributes':
        await elbv2.modifyTargetGroupAttributes(groupArn(change.group), change.attributes, signal);
        return 1;
      case 'registerTargets': {
        const registered = await registerTargets(ctx, groupArn(change.group), change.targets, signal);
        for (const [id, why] of registered.refused) refusedInstances.set(id, why);
        return registered.wrote;
      }
      case 'deregisterTargets':
        await elbv2.deregisterTargets(groupArn(change.group), change.targets, signal);
        return 1;
      case 'createListener': {
        const wanted = listener(change.port);
        await elbv2.createListener(nlbArn(), wanted, groupArn(wanted.targetGroupName), plan.tags, signal);
        return 1;
      }
      case 'modifyListener': {
        const wanted = listener(change.port);
        await elbv2.modifyListener(change.arn, wanted, groupArn(wanted.targetGroupName), signal);
        return 1;
      }
      case 'deleteListener':
        await elbv2.deleteListener(change.arn, signal);
        return 1;
      case 'deleteTargetGroups':
        await deleteTargetGroups(elbv2, change.arns, signal);
        return change.arns.length;
    }
  };

  let wrote = 0;
  for (const step of chainsInOrder(changes)) {
    const counts = await Promise.all(
      step.map(async (chain) => {
        let n = 0;
        for (const change of chain) n += await run(change);
        return n;
      }),
    );
    wrote += counts.reduce((a, b) => a + b, 0);
  }
  if (loadBalancer === undefined) throw new Error(`NLB ${plan.nlbName} was neither found nor created`);
  return { loadBalancer, wrote, refusedInstances };
}

async function createSecurityGroup(
  ctx: AwsContext,
  plan: Plan,
  name: string,
  vpcID: string,
  signal: AbortSignal,
): Promise<string> {
  try {
    return await ctx.ec2.createSecurityGroup(
      name,
      `cloud-lb-operator: source ranges of NLB ${plan.nlbName}`,
      vpcID,
      plan.tags,
      signal,
    );
  } catch (error) {
    if (errorCode(error) === 'InvalidGroup.Duplicate') {
      throw new PermanentError(
        `A security group named ${name} exists in the VPC but is not owned by this operator; it will not be reused.`,
        { cause: error },
      );
    }
    throw error;
  }
}
