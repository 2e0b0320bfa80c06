// The operator side of the benchmarks (bench/reconcile.bench.ts, bench/scale.bench.ts), in a
// process of its own so the driver (creating Services, watching them become ready) does not share
// its event loop or heap. Started with startOperatorProcess() (bench/operator-process.ts); takes
// its settings as JSON in argv[2] and answers over the IPC channel (see OperatorRequest).
import { writeHeapSnapshot } from 'node:v8';
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';
import { withConnectionReuse } from '../src/kube/client.ts';
import { silentLogger } from '../src/log.ts';
import { startOperator } from '../src/operator/index.ts';
import { ProviderRegistry } from '../src/provider/registry.ts';
import { TestCloud, testProviderDefinition } from '../test/support/test-provider.ts';

export interface OperatorSettings {
  readonly kubeconfigPath: string;
  readonly namespace: string;
  readonly latencyMs: number;
  readonly workers: number;
}

export interface MemoryFigures {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
}

export interface OperatorStats {
  readonly reconciles: number;
  readonly providerCalls: number;
  readonly callsByOperation: Record<string, number>;
  readonly cloudWrites: number;
  readonly peakRss: number;
  readonly peakHeapUsed: number;
  readonly baselineRss: number;
  readonly baselineHeapUsed: number;
  /** Now, without forcing a collection. */
  readonly memory: MemoryFigures;
  /** How long startOperator() took: the caches' first list, until ready(). */
  readonly syncMs: number;
  /** From the process's start (module loading included) until ready(). */
  readonly processToReadyMs: number;
  /** API requests the operator made, by "METHOD resource[/subresource]" (e.g. "PATCH services/status"). */
  readonly requests: Record<string, number>;
}

/**
 * What the driver may ask. Each request gets exactly one reply message:
 *   'stats'                 → { stats: OperatorStats }
 *   'gc'                    → { memory: MemoryFigures } after a full collection (needs --expose-gc)
 *   { firstEnsures: uids }  → { times: (number | null)[] }: Date.now() of the first ensure of each
 *   { heapSnapshot: path }  → { path }: a V8 heap snapshot written there
 *   'stop'                  → stops the operator, then the process exits
 */
export type OperatorRequest =
  'stats' | 'gc' | 'stop' | { readonly firstEnsures: readonly string[] } | { readonly heapSnapshot: string };

const settings = JSON.parse(process.argv[2] ?? '{}') as OperatorSettings;
const send = (message: unknown): void => {
  process.send?.(message);
};
// The driver went away (crashed or was killed): nothing is left to report to.
process.on('disconnect', () => process.exit(1));

const memoryNow = (): MemoryFigures => {
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external };
};

/** "PATCH /api/v1/namespaces/a/services/b/status" → "PATCH services/status". */
function requestKind(context: RequestContext): string {
  const parts = new URL(context.getUrl()).pathname.split('/').filter((p) => p !== '');
  const rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
  const unscoped = rest[0] === 'namespaces' && rest.length > 2 ? rest.slice(2) : rest;
  const [resource = '', , subresource] = unscoped;
  return `${context.getHttpMethod()} ${resource}${subresource === undefined ? '' : `/${subresource}`}`;
}

const requests = new Map<string, number>();
const loaded = new KubeConfig();
loaded.loadFromFile(settings.kubeconfigPath);
// The operator keeps this instance (it already reuses connections); every API call it makes passes
// through applySecurityAuthentication, which is where it is counted.
const kc = withConnectionReuse(loaded);
const authenticate = kc.applySecurityAuthentication.bind(kc);
kc.applySecurityAuthentication = async (context: RequestContext): Promise<void> => {
  const kind = requestKind(context);
  requests.set(kind, (requests.get(kind) ?? 0) + 1);
  await authenticate(context);
};

const cloud = new TestCloud({ latencyMs: settings.latencyMs });
const baseline = process.memoryUsage();
let peakRss = baseline.rss;
let peakHeapUsed = baseline.heapUsed;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeapUsed = Math.max(peakHeapUsed, m.heapUsed);
}, 100);

const syncStarted = performance.now();
const operator = await startOperator({
  kc,
  clusterName: 'bench',
  namespace: settings.namespace,
  registry: new ProviderRegistry([testProviderDefinition(cloud)]),
  workers: settings.workers,
  sweep: { enabled: false, intervalMs: 600_000, graceMs: 600_000 },
  log: silentLogger(),
});
const readyAt = performance.now();
if (!operator.ready()) throw new Error('startOperator resolved before its caches synced');

const stats = (): OperatorStats => ({
  reconciles: operator.reconciles(),
  providerCalls: cloud.totalCalls(),
  callsByOperation: Object.fromEntries(cloud.calls),
  cloudWrites: cloud.writes.length,
  peakRss,
  peakHeapUsed,
  baselineRss: baseline.rss,
  baselineHeapUsed: baseline.heapUsed,
  memory: memoryNow(),
  syncMs: readyAt - syncStarted,
  processToReadyMs: readyAt,
  requests: Object.fromEntries(requests),
});

const collectGarbage = (globalThis as { gc?: () => void }).gc;

process.on('message', (message: OperatorRequest) => {
  if (message === 'stats') send({ stats: stats() });
  else if (message === 'gc') {
    collectGarbage?.();
    send({ memory: memoryNow() });
  } else if (message === 'stop') {
    clearInterval(sampler);
    void operator.stop().finally(() => process.exit(0));
  } else if ('firstEnsures' in message) {
    send({ times: message.firstEnsures.map((uid) => cloud.firstEnsureAt.get(uid) ?? null) });
  } else {
    send({ path: writeHeapSnapshot(message.heapSnapshot) });
  }
});
send({ ready: true });
