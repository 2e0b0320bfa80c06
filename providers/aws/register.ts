// RegisterTargets that one bad node cannot block. AWS refuses the whole call with InvalidTarget
// when any instance in it does not exist or is not running; then the bad ones are found with
// DescribeInstances and the rest registered. (moto accepts unknown IDs: see docs/aws.md.)
import type { AwsContext } from './context.ts';
import { isInvalidTarget } from './errors.ts';
import type { PlannedTarget } from './plan.ts';

/** States in which an instance can be registered; AWS refuses the others. */
const REGISTRABLE = new Set(['pending', 'running']);

/** Why each of these instances cannot be registered, by instance ID (absent = it can). */
export function unregistrable(ids: readonly string[], states: ReadonlyMap<string, string>): Map<string, string> {
  const bad = new Map<string, string>();
  for (const id of ids) {
    const state = states.get(id);
    if (state === undefined) bad.set(id, `instance ${id} does not exist`);
    else if (!REGISTRABLE.has(state)) bad.set(id, `instance ${id} is ${state}`);
  }
  return bad;
}

export interface Registered {
  /** Writes made: 1 when AWS registered anything, else 0. */
  readonly wrote: number;
  /** Instances left out, with why. */
  readonly refused: ReadonlyMap<string, string>;
}

/** Registers `targets`; on InvalidTarget registers all but the instances AWS cannot take. */
export async function registerTargets(
  ctx: Pick<AwsContext, 'elbv2' | 'ec2' | 'log'>,
  arn: string,
  targets: readonly PlannedTarget[],
  signal: AbortSignal,
): Promise<Registered> {
  try {
    await ctx.elbv2.registerTargets(arn, targets, signal);
    return { wrote: 1, refused: new Map() };
  } catch (error) {
    if (!isInvalidTarget(error)) throw error;
    const ids = [...new Set(targets.map((t) => t.instanceID))];
    const refused = unregistrable(ids, await ctx.ec2.instanceStates(ids, signal));
    // Every instance looks fine: AWS refused for a reason we cannot see, so the error stands.
    if (refused.size === 0) throw error;
    ctx.log.warn({ targetGroup: arn, refused: Object.fromEntries(refused) }, 'instances left out of a target group');
    const rest = targets.filter((t) => !refused.has(t.instanceID));
    if (rest.length === 0) return { wrote: 0, refused };
    await ctx.elbv2.registerTargets(arn, rest, signal);
    return { wrote: 1, refused };
  }
}
