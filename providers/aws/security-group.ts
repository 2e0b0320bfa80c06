// The security group that enforces spec.loadBalancerSourceRanges on the NLB. Owned and tagged.
import type { SecurityGroup } from '@aws-sdk/client-ec2';
import type { LoadBalancerRef } from '../../src/provider/contract.ts';
import { PermanentError, RetryAfterError } from '../../src/provider/errors/index.ts';
import type { Ec2Api } from './api/ec2.ts';
import { errorCode, isStillInUse } from './errors.ts';
import { rulesFromPermissions } from './api/ec2.ts';
import { entriesToChange, ingressChanges } from './diff.ts';
import { securityGroupName } from './names.ts';
import type { SecurityGroupRule } from './plan.ts';
import { isOwnedBy, tagMap } from './ownership.ts';
import { sleep } from '../../src/provider/sleep.ts';

export async function ownedSecurityGroups(
  api: Ec2Api,
  ref: LoadBalancerRef,
  signal: AbortSignal,
): Promise<SecurityGroup[]> {
  const groups = await api.ownedSecurityGroups(ref.ownership.clusterName, ref.ownership.serviceUID, signal);
  // The filter is AWS's; check the tags ourselves too before anything is changed.
  return groups.filter((g) => isOwnedBy(tagMap(g.Tags), ref));
}

export interface EnsuredGroup {
  readonly groupID: string;
  readonly wrote: number;
}

export async function ensureSecurityGroup(
  api: Ec2Api,
  input: {
    ref: LoadBalancerRef;
    nlbName: string;
    rules: readonly SecurityGroupRule[];
    tags: Readonly<Record<string, string>>;
    attached: readonly string[];
    vpcID: () => Promise<string>;
  },
  signal: AbortSignal,
): Promise<EnsuredGroup> {
  const owned = await ownedSecurityGroups(api, input.ref, signal);
  const existing = owned.find((g) => input.attached.includes(g.GroupId ?? '')) ?? owned[0];
  let wrote = 0;
  let groupID = existing?.GroupId;
  let currentRules: SecurityGroupRule[] = rulesFromPermissions(existing?.IpPermissions);
  if (groupID === undefined) {
    const name = securityGroupName(input.nlbName);
    try {
      groupID = await api.createSecurityGroup(
        name,
        `cloud-lb-operator: source ranges of NLB ${input.nlbName}`,
        await input.vpcID(),
        input.tags,
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
    wrote++;
    currentRules = [];
  } else if (existing !== undefined) {
    const lacking = entriesToChange(tagMap(existing.Tags), input.tags);
    if (Object.keys(lacking).length > 0) {
      await api.createTags(groupID, lacking, signal);
      wrote++;
    }
  }
  const changes = ingressChanges(currentRules, input.rules);
  if (changes.authorize.length > 0) {
    await api.authorizeIngress(groupID, changes.authorize, signal);
    wrote++;
  }
  if (changes.revoke.length > 0) {
    await api.revokeIngress(groupID, changes.revoke, signal);
    wrote++;
  }
  return { groupID, wrote };
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
