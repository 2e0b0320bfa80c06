// Every change to the operator's pods, seen through a watch from a listed resourceVersion, so no
// moment between two polls is missed: the fewest Ready pods there ever were while it ran.
import { Watch, type V1Pod } from '@kubernetes/client-node';
import type { TestCluster } from '../../harness/cluster.ts';
import { OPERATOR_NAMESPACE } from './install.ts';
import { isReady, OPERATOR_SELECTOR, podName } from './pods.ts';

export interface ReadyWatch {
  /** Names of the pods that exist now (terminating ones included). */
  pods(): string[];
  readyNow(): number;
  /** The smallest Ready count seen, after every event. */
  readonly fewestReady: number;
  /** Ready counts in the order they were seen (one per change of the count). */
  readonly history: readonly number[];
  /** Events seen; more than zero proves the watch was live. */
  readonly events: number;
  /** Stops; throws if the watch ended on its own before, when changes could have been missed. */
  stop(): void;
}

export async function watchReadyPods(cluster: TestCluster): Promise<ReadyWatch> {
  const list = await cluster.core.listNamespacedPod({
    namespace: OPERATOR_NAMESPACE,
    labelSelector: OPERATOR_SELECTOR,
  });
  const pods = new Map<string, V1Pod>(list.items.map((p) => [podName(p), p]));
  const readyNow = (): number => [...pods.values()].filter(isReady).length;
  const state = { fewestReady: readyNow(), history: [readyNow()], events: 0 };
  let ended: Error | undefined;
  let stopping = false;
  const controller = await new Watch(cluster.kc).watch(
    `/api/v1/namespaces/${OPERATOR_NAMESPACE}/pods`,
    { labelSelector: OPERATOR_SELECTOR, resourceVersion: list.metadata?.resourceVersion ?? '' },
    (phase: string, pod: V1Pod) => {
      state.events += 1;
      if (phase === 'DELETED') pods.delete(podName(pod));
      else pods.set(podName(pod), pod);
      const ready = readyNow();
      state.fewestReady = Math.min(state.fewestReady, ready);
      if (state.history.at(-1) !== ready) state.history.push(ready);
    },
    (error: unknown) => {
      if (!stopping) ended = error instanceof Error ? error : new Error('the watch ended');
    },
  );
  return {
    pods: () => [...pods.keys()].sort(),
    readyNow,
    get fewestReady() {
      return state.fewestReady;
    },
    get history() {
      return state.history;
    },
    get events() {
      return state.events;
    },
    stop: () => {
      stopping = true;
      controller.abort();
      if (ended !== undefined) throw new Error(`the pod watch ended early: changes may be missing (${ended.message})`);
    },
  };
}
