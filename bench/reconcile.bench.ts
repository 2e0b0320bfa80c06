// Reconcile benchmark: a real control plane, the operator with the in-memory test provider at a
// configurable latency, N LoadBalancer Services. The operator runs in a process of its own
// (bench/reconcile-operator.ts), so this driver — creating the Services and watching them become
// ready — shares neither its event loop nor its memory figures. Prints figures; never passes or
// fails on time.
//
//   node bench/reconcile.bench.ts --services 1000 --latency-ms 50 [--workers 4] [--nodes 3]
import type { ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { startControlPlane } from '../test/harness/controlplane.ts';
import { createNode, createProvider } from '../test/support/fixture.ts';
import { TEST_CRD_PROVIDERS } from '../test/support/test-provider.ts';
import { mib, operatorStats, pool, startOperatorProcess, stopOperatorProcess } from './operator-process.ts';
import { allReady } from './ready-watch.ts';

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

process.stderr.write('[bench] starting a control plane\n');
const controlPlane = await startControlPlane({ crds: TEST_CRD_PROVIDERS });
let child: ChildProcess | undefined;
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

  child = await startOperatorProcess({ kubeconfigPath: controlPlane.kubeconfigPath, namespace, latencyMs, workers });

  const names = Array.from({ length: services }, (_, i) => `svc-${String(i).padStart(5, '0')}`);
  const started = performance.now();
  const ready = allReady(kc, core, namespace, services);
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
  await ready;
  const readyAt = performance.now();
  const atReady = await operatorStats(child);
  // Let trailing status-update reconciles settle, then count everything once more.
  await new Promise((r) => setTimeout(r, 2000));
  const settled = await operatorStats(child);

  const seconds = (readyAt - started) / 1000;
  const byOp = Object.entries(settled.callsByOperation)
    .map(([op, n]) => `${op} ${(n / services).toFixed(2)}`)
    .join(', ');
  const lines = [
    `services                    ${services} (provider latency ${latencyMs} ms per call, ${workers} workers, ${nodeCount} nodes)`,
    `created all Services in     ${((created - started) / 1000).toFixed(1)} s`,
    `time until all ready        ${seconds.toFixed(1)} s (from the first create, seen by a watch in the driver)`,
    `Services ready per second   ${(services / seconds).toFixed(1)}`,
    `reconciles                  ${atReady.reconciles} until all ready, ${settled.reconciles} after settling`,
    `reconciles per second       ${(atReady.reconciles / seconds).toFixed(1)}`,
    `provider calls per Service  ${(settled.providerCalls / services).toFixed(2)} (${byOp}); cloud writes ${settled.cloudWrites}`,
    `operator peak RSS           ${mib(settled.peakRss)} (at start ${mib(settled.baselineRss)}; operator process only)`,
    `operator peak heap used     ${mib(settled.peakHeapUsed)} (at start ${mib(settled.baselineHeapUsed)})`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await stopOperatorProcess(child);
  await controlPlane.stop();
}
