// Pure: how the wanted proxies differ from what is running, listener by listener, so ensure opens,
// closes or re-points only what changed.
import { listenerKey, probeId, type Backend, type ListenerPlan, type ProxyPlan } from './plan.ts';

export interface PlanDiff {
  /** The address changed: everything is closed and reopened. */
  readonly readdress: boolean;
  readonly open: readonly ListenerPlan[];
  readonly close: readonly ListenerPlan[];
  /** Listeners that stay open with a different backend set. */
  readonly retarget: readonly ListenerPlan[];
  readonly sourceRangesChanged: boolean;
}

export function diffPlans(current: ProxyPlan | undefined, next: ProxyPlan): PlanDiff {
  if (current === undefined || current.address !== next.address) {
    return {
      readdress: current !== undefined,
      open: next.listeners,
      close: current?.listeners ?? [],
      retarget: [],
      sourceRangesChanged: current !== undefined && !sameStrings(current.sourceRanges, next.sourceRanges),
    };
  }
  const before = new Map(current.listeners.map((l) => [listenerKey(l), l]));
  const after = new Map(next.listeners.map((l) => [listenerKey(l), l]));
  const open = next.listeners.filter((l) => !before.has(listenerKey(l)));
  const close = current.listeners.filter((l) => !after.has(listenerKey(l)));
  const retarget = next.listeners.filter((l) => {
    const old = before.get(listenerKey(l));
    return old !== undefined && !sameBackends(old.backends, l.backends);
  });
  return {
    readdress: false,
    open,
    close,
    retarget,
    sourceRangesChanged: !sameStrings(current.sourceRanges, next.sourceRanges),
  };
}

export function isNoop(diff: PlanDiff): boolean {
  return (
    !diff.readdress &&
    diff.open.length === 0 &&
    diff.close.length === 0 &&
    diff.retarget.length === 0 &&
    !diff.sourceRangesChanged
  );
}

function sameBackends(a: readonly Backend[], b: readonly Backend[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i];
      return (
        y !== undefined &&
        x.nodeName === y.nodeName &&
        x.host === y.host &&
        x.port === y.port &&
        probeId(x.probe) === probeId(y.probe)
      );
    })
  );
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
