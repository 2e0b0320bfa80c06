// One target group per (port, protocol): found or created, health check and attributes kept as
// planned, instance targets registered and deregistered to match the eligible nodes.
import { PermanentError, RetryAfterError } from '../../src/provider/errors/index.ts';
import type { Elbv2Api } from './api/elbv2.ts';
import { isStillInUse } from './errors.ts';
import { entriesToChange, healthCheckNeedsUpdate, targetChanges, targetGroupNeedsReplacement } from './diff.ts';
import type { PlannedTargetGroup } from './plan.ts';
import type { OwnedTargetGroup } from './read.ts';
import { sleep } from '../../src/provider/sleep.ts';

export interface EnsuredTargetGroup {
  readonly arn: string;
  readonly targets: number;
  readonly wrote: number;
}

export async function ensureTargetGroup(
  api: Elbv2Api,
  input: {
    planned: PlannedTargetGroup;
    /** What exists under the planned name: ours, someone else's, or nothing (see targetGroupsByName). */
    existing: OwnedTargetGroup | 'foreign' | undefined;
    tags: Readonly<Record<string, string>>;
    vpcID: () => Promise<string>;
  },
  signal: AbortSignal,
): Promise<EnsuredTargetGroup> {
  const { planned } = input;
  let wrote = 0;
  if (input.existing === 'foreign') {
    throw new PermanentError(
      `A target group named ${planned.name} exists but is not owned by this operator; it will not be reused.`,
    );
  }
  const found = input.existing;
  if (found !== undefined && targetGroupNeedsReplacement(found.group, planned)) {
    throw new PermanentError(
      `Target group ${planned.name} has protocol ${found.group.Protocol ?? '?'} or target type ${found.group.TargetType ?? '?'} that cannot be changed in place.`,
    );
  }

  let arn: string;
  let created = false;
  if (found?.group.TargetGroupArn === undefined) {
    const group = await api.createTargetGroup(planned, await input.vpcID(), input.tags, signal);
    arn = group.TargetGroupArn ?? '';
    created = true;
    wrote++;
  } else {
    arn = found.group.TargetGroupArn;
    if (healthCheckNeedsUpdate(found.group, planned.healthCheck)) {
      await api.modifyTargetGroupHealthCheck(arn, planned.healthCheck, signal);
      wrote++;
    }
    const lacking = entriesToChange(found.tags, input.tags);
    if (Object.keys(lacking).length > 0) {
      await api.addTags([arn], lacking, signal);
      wrote++;
    }
  }

  if (Object.keys(planned.attributes).length > 0) {
    const current = created ? {} : await api.targetGroupAttributes(arn, signal);
    const changes = entriesToChange(current, planned.attributes);
    if (Object.keys(changes).length > 0) {
      await api.modifyTargetGroupAttributes(arn, changes, signal);
      wrote++;
    }
  }

  const registered = created ? [] : await api.registeredTargets(arn, signal);
  const changes = targetChanges(registered, planned.targets);
  if (changes.register.length > 0) {
    await api.registerTargets(arn, changes.register, signal);
    wrote++;
  }
  if (changes.deregister.length > 0) {
    await api.deregisterTargets(arn, changes.deregister, signal);
    wrote++;
  }
  return { arn, targets: planned.targets.length, wrote };
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
