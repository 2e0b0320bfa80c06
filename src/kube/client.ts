import { existsSync } from 'node:fs';
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

const serviceAccountToken = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * A KubeConfig whose API calls share connections. @kubernetes/client-node 2.0.1 builds a new
 * undici Agent for every request (its `createDispatcher` caches nothing, unlike `createAgent`), so
 * every call paid a TCP + TLS handshake. We keep one dispatcher per cluster and client identity and
 * hand it to each request instead of the fresh one (which has not connected yet, so dropping it is free).
 * Tokens are headers, not part of the dispatcher, so a rotated service-account token still applies.
 */
class PooledKubeConfig extends KubeConfig {
  readonly #dispatchers = new Map<string, Dispatcher>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (fresh === undefined) return;
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    const key = JSON.stringify([
      cluster?.server,
      cluster?.caData,
      cluster?.caFile,
      cluster?.skipTLSVerify,
      user?.certData,
      user?.certFile,
      user?.keyFile,
      // keyData is the identity's private key: keep it out of a long-lived map key.
      user?.keyData === undefined ? undefined : user.keyData.length,
    ]);
    const pooled = this.#dispatchers.get(key);
    if (pooled === undefined) {
      this.#dispatchers.set(key, fresh);
      return;
    }
    context.setDispatcher(pooled);
    void fresh.close();
  }
}

/** The same configuration, with connection reuse (see PooledKubeConfig). */
export function withConnectionReuse(kc: KubeConfig): KubeConfig {
  if (kc instanceof PooledKubeConfig) return kc;
  const pooled = new PooledKubeConfig();
  pooled.loadFromOptions({
    clusters: kc.getClusters(),
    users: kc.getUsers(),
    contexts: kc.getContexts(),
    currentContext: kc.getCurrentContext(),
  });
  return pooled;
}

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
  return withConnectionReuse(kc);
}
