// Which of the eligible nodes a provider can use as targets. Pure: the provider's own rule
// (targetProblem) is asked before any cloud call; what ensure leaves out after reading the cloud
// is folded in afterwards, so the Service names every node it does not carry, once.
import type { LoadBalancerProvider, SkippedTarget, Target } from '../provider/contract.ts';

export interface TargetSplit {
  /** The targets the provider is asked to carry, in the order given. */
  readonly usable: readonly Target[];
  /** The nodes it cannot use, with the provider's reason, in the order given. */
  readonly skipped: readonly SkippedTarget[];
}

export function splitTargets(
  provider: Pick<LoadBalancerProvider, 'targetProblem'>,
  targets: readonly Target[],
): TargetSplit {
  if (provider.targetProblem === undefined) return { usable: targets, skipped: [] };
  const usable: Target[] = [];
  const skipped: SkippedTarget[] = [];
  for (const target of targets) {
    const problem = provider.targetProblem(target);
    if (problem === undefined) usable.push(target);
    else skipped.push({ nodeName: target.nodeName, ...problem });
  }
  return { usable, skipped };
}

/** Both lists as one, sorted by node name; a node named twice keeps its first reason. */
export function allSkipped(before: readonly SkippedTarget[], after: readonly SkippedTarget[]): SkippedTarget[] {
  const byNode = new Map<string, SkippedTarget>();
  for (const s of [...before, ...after]) if (!byNode.has(s.nodeName)) byNode.set(s.nodeName, s);
  return [...byNode.values()].sort((a, b) => (a.nodeName < b.nodeName ? -1 : a.nodeName > b.nodeName ? 1 : 0));
}

/** How many of `sent` the load balancer carries once ensure left out `skippedByEnsure`. */
export function carriedCount(sent: readonly Target[], skippedByEnsure: readonly SkippedTarget[]): number {
  const left = new Set(skippedByEnsure.map((s) => s.nodeName));
  return sent.filter((t) => !left.has(t.nodeName)).length;
}
