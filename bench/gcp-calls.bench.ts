// Compute Engine API calls by method for the GCP provider against the GCE fake, through the real
// @google-cloud/compute client: (a) creating a 2-port Service, (b) a no-op resync of N Services,
// (c) a node joining a cluster with N Services. Prints figures; never passes or fails on time.
// CONCURRENCY is how many ensures run at once (the operator's --workers, default 4): name lookups
// of concurrent ensures share list calls, so the reads per Service depend on it.
// Run: node bench/gcp-calls.bench.ts   (env: GCP_BENCH_N=1000 GCP_BENCH_CONCURRENCY=8)
import { performance } from 'node:perf_hooks';
import { PassThroughClient } from 'google-auth-library';
import { InstancesClient } from '@google-cloud/compute';
import type { DesiredLoadBalancer, Target } from '../src/provider/contract.ts';
import { silentLogger } from '../src/log.ts';
import { ComputeApi } from '../providers/gcp/api/compute.ts';
import { GcpProvider } from '../providers/gcp/provider.ts';
import { parseSpec } from '../providers/gcp/spec.ts';
import { startGceFake } from '../test/gce-fake/server.ts';
import { desiredLoadBalancer } from '../test/support/desired.ts';

const N = Number(process.env['GCP_BENCH_N'] ?? 1000);
const CONCURRENCY = Number(process.env['GCP_BENCH_CONCURRENCY'] ?? 8);
const PROJECT = 'bench-project';
const REGION = 'europe-west1';
const ZONES = [`${REGION}-b`, `${REGION}-c`];

// Operations take 2 ms, so each mutation is followed by one operation wait, as on GCE.
const fake = await startGceFake({ operationLatencyMs: 2 });
const counts = new Map<string, number>();
/** Batched name lookups (providers/gcp/api/lookups.ts): calls, names carried, Services served. */
const batches = { calls: 0, names: 0, callers: 0 };

function provider(verifiedTtlMs: number): GcpProvider {
  const config = parseSpec({
    project: PROJECT,
    region: REGION,
    endpoint: fake.endpoint,
    rateLimit: { qps: 100_000, burst: 100_000 },
  });
  const api = new ComputeApi(config, {
    authClient: new PassThroughClient(),
    countCall: (op) => counts.set(op, (counts.get(op) ?? 0) + 1),
    log: silentLogger(),
  });
  const context = {
    providerName: 'gcp',
    clusterName: 'bench',
    credentials: undefined,
    log: silentLogger(),
    countCall: () => {},
  };
  const onCall = (names: number, callers: number): void => {
    batches.calls++;
    batches.names += names;
    batches.callers += callers;
  };
  return new GcpProvider(api, context, { verifiedTtlMs, batch: { onCall } });
}

const instances = new InstancesClient({
  apiEndpoint: '127.0.0.1',
  port: fake.port,
  protocol: 'http',
  authClient: new PassThroughClient(),
});
const nodeNames = ['node-1', 'node-2', 'node-3', 'node-4'];
for (const [i, name] of nodeNames.entries())
  await instances.insert({ project: PROJECT, zone: ZONES[i % 2] ?? '', instanceResource: { name } });
const target = (name: string, i: number): Target => ({
  nodeName: name,
  providerID: `gce://${PROJECT}/${ZONES[i % 2]}/${name}`,
  addresses: [],
  labels: {},
});
const targets3 = nodeNames.slice(0, 3).map(target);
const targets4 = nodeNames.map(target);

function service(i: number, targets: readonly Target[]): DesiredLoadBalancer {
  const uid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  return desiredLoadBalancer({
    name: `bench-${String(i).padStart(12, '0')}`,
    ownership: { clusterName: 'bench', serviceNamespace: 'default', serviceName: `svc-${i}`, serviceUID: uid },
    listeners: [
      { name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 },
      { name: 'https', port: 443, protocol: 'TCP', nodePort: 30443 },
    ],
    targets,
  });
}

async function pool(n: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

const MUTATING = /\.(insert|delete|update|patch|addInstances|removeInstances)$/;

function report(title: string, ms: number, perService?: number): void {
  const rows = [...counts].sort(([a], [b]) => a.localeCompare(b));
  const total = rows.reduce((s, [, v]) => s + v, 0);
  const writes = rows.filter(([k]) => MUTATING.test(k)).reduce((s, [, v]) => s + v, 0);
  const waits = rows.filter(([k]) => k.endsWith('.wait')).reduce((s, [, v]) => s + v, 0);
  console.log(`\n## ${title}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(45)} ${String(v).padStart(7)}`);
  console.log(
    `  ${'total'.padEnd(45)} ${String(total).padStart(7)}   (mutating ${writes}, operation waits ${waits}, reads ${total - writes - waits})`,
  );
  if (perService) console.log(`  per Service: ${(total / perService).toFixed(2)} calls`);
  if (batches.calls > 0)
    console.log(
      `  batched lookups: ${batches.calls} list calls for ${batches.callers} lookups (${(batches.callers / batches.calls).toFixed(1)} per call, ${(batches.names / batches.calls).toFixed(1)} names per call)`,
    );
  console.log(`  wall time: ${(ms / 1000).toFixed(1)} s (fake in-process)`);
  counts.clear();
  Object.assign(batches, { calls: 0, names: 0, callers: 0 });
}

async function measure(title: string, work: () => Promise<unknown>, perService?: number): Promise<void> {
  counts.clear();
  Object.assign(batches, { calls: 0, names: 0, callers: 0 });
  const t = performance.now();
  await work();
  report(title, performance.now() - t, perService);
}

const gcp = provider(60_000);
console.log(`# GCP provider: Compute API calls (N=${N}, concurrency ${CONCURRENCY}, 3 nodes in 2 zones)`);
await measure('(a) create one 2-port Service, first in the cluster (instance groups created)', () =>
  gcp.ensure(service(0, targets3), AbortSignal.timeout(60_000)),
);
await measure('(a2) create one more 2-port Service (instance groups already right)', () =>
  gcp.ensure(service(1, targets3), AbortSignal.timeout(60_000)),
);

const t0 = performance.now();
await pool(N - 2, (i) => gcp.ensure(service(i + 2, targets3), AbortSignal.timeout(120_000)));
counts.clear();
console.log(`\n(created ${N} Services in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);

await measure(
  `(b) no-op resync of ${N} Services (same provider, membership verified < 60 s ago)`,
  () => pool(N, (i) => gcp.ensure(service(i, targets3), AbortSignal.timeout(120_000))),
  N,
);
const fresh = provider(60_000);
await measure(
  `(b2) no-op resync of ${N} Services after an operator restart (empty caches)`,
  () => pool(N, (i) => fresh.ensure(service(i, targets3), AbortSignal.timeout(120_000))),
  N,
);
await measure(
  `(c) node-4 joins: ensure of ${N} Services with 4 targets`,
  () => pool(N, (i) => fresh.ensure(service(i, targets4), AbortSignal.timeout(120_000))),
  N,
);
const cold = provider(60_000);
await measure(
  `(c2) node-4 leaves, seen by a freshly restarted operator (no memo: full diff per Service)`,
  () => pool(N, (i) => cold.ensure(service(i, targets3), AbortSignal.timeout(120_000))),
  N,
);

await Promise.all([gcp.close(), fresh.close(), cold.close(), instances.close()]);
await fake.stop();
