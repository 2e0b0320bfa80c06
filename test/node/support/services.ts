// Services in the real cluster, deleted the way a user does: the operator takes its finalizer off
// once the load balancer is gone, and only then is the Service gone.
import type { TestCluster } from '../../harness/cluster.ts';

export async function deleteServiceAndWait(cluster: TestCluster, namespace: string, name: string): Promise<void> {
  const deleted = await cluster.kubectl([
    '-n',
    namespace,
    'delete',
    'service',
    name,
    '--ignore-not-found',
    '--wait=true',
    '--timeout=120s',
  ]);
  if (deleted.code !== 0) throw new Error(`kubectl delete service ${namespace}/${name}: ${deleted.stderr}`);
}
