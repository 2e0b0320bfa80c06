// The operator side of bench/reconcile.bench.ts, in a process of its own so the driver (creating
// Services, watching them become ready) does not share its event loop or heap. Started by the bench
// with fork(); takes its settings as JSON in argv[2] and answers over the IPC channel:
//   → { ready: true }                       once the operator is running
//   ← 'stats'   → { stats: OperatorStats }
//   ← 'stop'    → stops the operator, then exits
import { KubeConfig } from '@kubernetes/client-node';
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

export interface OperatorStats {
  readonly reconciles: number;
  readonly providerCalls: number;
  readonly callsByOperation: Record<string, number>;
  readonly cloudWrites: number;
  readonly peakRss: number;
  readonly peakHeapUsed: number;
  readonly baselineRss: number;
  readonly baselineHeapUsed: number;
}

const settings = JSON.parse(process.argv[2] ?? '{}') as OperatorSettings;
const send = (message: unknown): void => {
  process.send?.(message);
};

const kc = new KubeConfig();
kc.loadFromFile(settings.kubeconfigPath);
const cloud = new TestCloud({ latencyMs: settings.latencyMs });
const baseline = process.memoryUsage();
let peakRss = baseline.rss;
let peakHeapUsed = baseline.heapUsed;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeapUsed = Math.max(peakHeapUsed, m.heapUsed);
}, 100);

const operator = await startOperator({
  kc,
  clusterName: 'bench',
  namespace: settings.namespace,
  registry: new ProviderRegistry([testProviderDefinition(cloud)]),
  workers: settings.workers,
  sweep: { enabled: false, intervalMs: 600_000, graceMs: 600_000 },
  log: silentLogger(),
});

const stats = (): OperatorStats => ({
  reconciles: operator.reconciles(),
  providerCalls: cloud.totalCalls(),
  callsByOperation: Object.fromEntries(cloud.calls),
  cloudWrites: cloud.writes.length,
  peakRss,
  peakHeapUsed,
  baselineRss: baseline.rss,
  baselineHeapUsed: baseline.heapUsed,
});

process.on('message', (message) => {
  if (message === 'stats') send({ stats: stats() });
  if (message === 'stop') {
    clearInterval(sampler);
    void operator.stop().finally(() => process.exit(0));
  }
});
send({ ready: true });
