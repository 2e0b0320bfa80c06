import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

const serviceAccountToken = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * `path` → that kubeconfig file; else in-cluster (service account) when running in a pod;
 * else the usual default ($KUBECONFIG, ~/.kube/config).
 */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path !== undefined && path !== '') {
    kc.loadFromFile(path);
  } else if (process.env['KUBERNETES_SERVICE_HOST'] !== undefined && existsSync(serviceAccountToken)) {
    kc.loadFromCluster();
  } else {
    kc.loadFromDefault();
  }
  if (kc.getCurrentCluster() === null) {
    throw new Error(
      path !== undefined && path !== ''
        ? `kubeconfig ${path} has no current cluster`
        : 'no Kubernetes configuration found: pass --kubeconfig, run in a pod, or set $KUBECONFIG',
    );
  }
  return kc;
}
