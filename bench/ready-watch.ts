// Waits, from the driver, for Services to get a load-balancer ingress, as seen by a watch.
import type { CoreV1Api, KubeConfig, V1Service } from '@kubernetes/client-node';
import { Watch } from '@kubernetes/client-node';

const keyOf = (svc: V1Service): string => `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;

/**
 * Resolves when `count` Services (of `namespace`, or of all namespaces) have a load-balancer
 * ingress, as seen by a watch (no polling of the whole list). Restarts the watch from a fresh list
 * if the server ends it.
 */
export async function allReady(
  kc: KubeConfig,
  core: CoreV1Api,
  namespace: string | undefined,
  count: number,
): Promise<void> {
  const ready = new Set<string>();
  const note = (svc: V1Service): void => {
    if ((svc.status?.loadBalancer?.ingress ?? []).length > 0) ready.add(keyOf(svc));
    else ready.delete(keyOf(svc));
  };
  const path = namespace === undefined ? '/api/v1/services' : `/api/v1/namespaces/${namespace}/services`;
  const watch = new Watch(kc);
  await new Promise<void>((resolve, reject) => {
    let controller: AbortController | undefined;
    const check = (): void => {
      if (ready.size < count) return;
      controller?.abort();
      resolve();
    };
    const run = async (): Promise<void> => {
      const list =
        namespace === undefined
          ? await core.listServiceForAllNamespaces()
          : await core.listNamespacedService({ namespace });
      for (const svc of list.items) note(svc);
      check();
      controller = await watch.watch(
        path,
        { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
        (phase, svc: V1Service) => {
          if (phase === 'ADDED' || phase === 'MODIFIED') note(svc);
          if (phase === 'DELETED') ready.delete(keyOf(svc));
          check();
        },
        () => {
          if (ready.size < count) run().catch(reject);
        },
      );
    };
    run().catch(reject);
  });
}
