// Reconcile benchmark: a real control plane, the operator in-process with the in-memory test
// provider at a configurable latency, N LoadBalancer Services. Prints figures; never passes or
// fails on time.
//
//   node bench/reconcile.bench.ts --services 1000 --latency-ms 50 [--workers 4] [--nodes 3]
import { parseArgs } from 'node:util';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { silentLogger } from '../src/log.ts';
import { startOperator } from '../src/operator/index.ts';
import { ProviderRegistry } from '../src/provider/registry.ts';
import { startControlPlane } from '../test/harness/controlplane.ts';
import { createNode, createProvider } from '../test/support/fixture.ts';
import { TEST_CRD_PROVIDERS, TestCloud, testProviderDefinition } from '../test/support/test-provider.ts';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' },
    'latency-ms': { type: 'string', default: '50' },
    workers: { type: 'string', default: '4' },
    nodes: { type: 'string', default: '3' },
  },
});
const services = Number(values.services);
const latencyMs = Number(values['latency-ms']);
const workers = Number(values.workers);
const nodeCount = Number(values.nodes);
const CREATE_CONCURRENCY = 32;

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await fn(item);
      }
    }),
  );
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

process.stderr.write('[bench] starting a control plane\n');
const controlPlane = await startControlPlane({ crds: TEST_CRD_PROVIDERS });
let operator: Awaited<ReturnType<typeof startOperator>> | undefined;
try {
  const kc = new KubeConfig();
  kc.loadFromFile(controlPlane.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const namespace = 'bench';
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  // Nodes with no status: only how many there are matters to this benchmark.
  for (let i = 0; i < nodeCount; i++) await createNode({ core }, `bench-node-${i}`, { addresses: [] });
  await createProvider({ custom }, 'bench');

  const cloud = new TestCloud({ latencyMs });
  let peakRss = 0;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 100);
  const baseline = process.memoryUsage();

  operator = await startOperator({
    kc,
    clusterName: 'bench',
    namespace,
    registry: new ProviderRegistry([testProviderDefinition(cloud)]),
    workers,
    sweep: { enabled: false, intervalMs: 600_000, graceMs: 600_000 },
    log: silentLogger(),
  });

  const names = Array.from({ length: services }, (_, i) => `svc-${String(i).padStart(5, '0')}`);
  const started = performance.now();
  await pool(names, CREATE_CONCURRENCY, async (name) => {
    await core.createNamespacedService({
      namespace,
      body: {
        metadata: { name },
        spec: {
          type: 'LoadBalancer',
          loadBalancerClass: 'cloudlb.dev/bench',
          ports: [{ port: 80, protocol: 'TCP' }],
          selector: { app: name },
        },
      },
    });
  });
  const created = performance.now();

  let ready = 0;
  while (ready < services) {
    await new Promise((r) => setTimeout(r, 250));
    const list = await core.listNamespacedService({ namespace });
    ready = list.items.filter((s) => (s.status?.loadBalancer?.ingress ?? []).length > 0).length;
  }
  const allReady = performance.now();
  const reconciles = operator.reconciles();
  // Let trailing status-update reconciles settle, then count everything once more.
  await new Promise((r) => setTimeout(r, 2000));
  clearInterval(sampler);

  const seconds = (allReady - started) / 1000;
  const byOp = [...cloud.calls].map(([op, n]) => `${op} ${(n / services).toFixed(2)}`).join(', ');
  const lines = [
    `services                    ${services} (provider latency ${latencyMs} ms per call, ${workers} workers, ${nodeCount} nodes)`,
    `created all Services in     ${((created - started) / 1000).toFixed(1)} s`,
    `time until all ready        ${seconds.toFixed(1)} s (from the first create)`,
    `reconciles                  ${reconciles} until all ready, ${operator.reconciles()} after settling`,
    `reconciles per second       ${(reconciles / seconds).toFixed(1)}`,
    `provider calls per Service  ${(cloud.totalCalls() / services).toFixed(2)} (${byOp}); cloud writes ${cloud.writes.length}`,
    `peak RSS                    ${mib(peakRss)} (baseline before the operator ${mib(baseline.rss)}; bench driver in the same process)`,
    `peak heap used              ${mib(peakHeap)} (baseline ${mib(baseline.heapUsed)})`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await operator?.stop();
  await controlPlane.stop();
}
