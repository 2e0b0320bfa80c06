// Scale benchmark: a real control plane holding N Services (one in ten a two-port LoadBalancer of
// the in-memory test provider, the rest ClusterIP; some created by server-side apply) and M Nodes;
// the operator in a process of its own (bench/reconcile-operator.ts). Prints the operator's memory
// idle and loaded, its cache sync time at start, create → first provider call latency under churn,
// status writes per second, and a heap snapshot summary. Never passes or fails on time.
//
//   node bench/scale.bench.ts [--services 10000] [--nodes 1000] [--probes 200] [--churn-rate 50] ...
//   SCALE_SERVICES=2000 SCALE_NODES=200 node bench/scale.bench.ts
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Service,
} from '@kubernetes/client-node';
import { withConnectionReuse } from '../src/kube/client.ts';
import { startControlPlane, type ControlPlane } from '../test/harness/controlplane.ts';
import { createProvider } from '../test/support/fixture.ts';
import { TEST_CRD_PROVIDERS } from '../test/support/test-provider.ts';
import { startChurn } from './churn.ts';
import { formatHeapSummary, readHeapSnapshotSummary, type HeapSummary } from './heap-snapshot.ts';
import {
  firstEnsureTimes,
  mib,
  operatorHeapSnapshot,
  operatorMemoryAfterGc,
  operatorStats,
  pool,
  startOperatorProcess,
  stopOperatorProcess,
  type MemoryFigures,
  type OperatorStats,
} from './operator-process.ts';
import { allReady } from './ready-watch.ts';
import {
  SCALE_NAMESPACES,
  nodeBody,
  nodeName,
  nodeStatus,
  serviceBody,
  servicePlan,
  type ServicePlan,
} from './scale-objects.ts';

const option = (env: string, fallback: string) => ({ type: 'string', default: process.env[env] ?? fallback }) as const;
const { values } = parseArgs({
  options: {
    services: option('SCALE_SERVICES', '10000'),
    nodes: option('SCALE_NODES', '1000'),
    'lb-every': option('SCALE_LB_EVERY', '10'),
    'ssa-every': option('SCALE_SSA_EVERY', '2'),
    'churn-services': option('SCALE_CHURN_SERVICES', '1000'),
    'churn-nodes': option('SCALE_CHURN_NODES', '100'),
    'churn-rate': option('SCALE_CHURN_RATE', '50'),
    probes: option('SCALE_PROBES', '200'),
    'probe-rate': option('SCALE_PROBE_RATE', '10'),
    concurrency: option('SCALE_CONCURRENCY', '20'),
    workers: option('SCALE_WORKERS', '4'),
    // A cloud call is never instant. With 0 ms, a backlog of reconciles runs in microtasks only
    // and starves the operator process's I/O (watch events, the driver's questions).
    'latency-ms': option('SCALE_LATENCY_MS', '10'),
    'heap-top': option('SCALE_HEAP_TOP', '20'),
  },
});
const count = (name: keyof typeof values): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, not "${values[name]}"`);
  return n;
};
const services = count('services');
const nodes = count('nodes');
const lbEvery = Math.max(1, count('lb-every'));
const ssaEvery = Math.max(1, count('ssa-every'));
const churnServices = Math.min(count('churn-services'), services);
const churnNodes = Math.min(count('churn-nodes'), nodes);
const churnRate = count('churn-rate');
const probes = count('probes');
const probeRate = Math.max(1, count('probe-rate'));
const concurrency = Math.max(1, count('concurrency'));
const workers = Math.max(1, count('workers'));
const latencyMs = count('latency-ms');
const heapTop = count('heap-top');

const OPERATOR_NAMESPACE = 'cloudlb-system';
const PROBE_NAMESPACE = 'probe';
const READY_TIMEOUT_MS = 15 * 60_000;
const FIRST_ENSURE_TIMEOUT_MS = 120_000;
const SETTLE_MS = 3_000;

const ssa = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

const print = (lines: readonly string[]): void => {
  process.stdout.write(`${lines.join('\n')}\n`);
};
const say = (line: string): void => {
  process.stderr.write(`[scale] ${line}\n`);
};

/** Reports progress at most every 2 s, and once at the end. */
function progress(what: string, total: number): () => void {
  const started = performance.now();
  let done = 0;
  let reported = started;
  return () => {
    done += 1;
    const now = performance.now();
    if (done < total && now - reported < 2_000) return;
    reported = now;
    say(`${what} ${done}/${total} (${((done * 1000) / (now - started)).toFixed(0)}/s)`);
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const timeout = new AbortController();
  try {
    return await Promise.race([
      promise,
      sleep(ms, undefined, { signal: timeout.signal }).then(() => {
        throw new Error(`${what} did not happen within ${ms / 1000} s`);
      }),
    ]);
  } finally {
    timeout.abort();
  }
}

const percentile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;

interface Clients {
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
}

async function createNodes({ core }: Clients): Promise<void> {
  const tick = progress('nodes', nodes);
  await pool(
    Array.from({ length: nodes }, (_, i) => i),
    concurrency,
    async (i) => {
      const node = await core.createNode({ body: nodeBody(i) });
      await core.replaceNodeStatus({ name: nodeName(i), body: { ...node, status: nodeStatus(i) } });
      tick();
    },
  );
}

async function createService({ core }: Clients, plan: ServicePlan): Promise<V1Service> {
  const body = serviceBody(plan);
  if (!plan.serverSideApply) return await core.createNamespacedService({ namespace: plan.namespace, body });
  const applied = { name: plan.name, namespace: plan.namespace, body, fieldManager: 'helm', force: true };
  return await core.patchNamespacedService(applied, ssa);
}

async function createServices(clients: Clients, plans: readonly ServicePlan[]): Promise<void> {
  const tick = progress('services', plans.length);
  await pool(plans, concurrency, async (plan) => {
    await createService(clients, plan);
    tick();
  });
}

/** One label and one annotation change: what a rollout or a node agent's heartbeat-like update does. */
function churnPatch(n: number): object {
  return {
    metadata: {
      labels: { 'bench.cloudlb.dev/churn': String(n) },
      annotations: { 'bench.cloudlb.dev/churned-at': new Date().toISOString() },
    },
  };
}

interface ProbeResult {
  /** Create → the provider's first ensure, ms, for the probes whose first ensure was seen. */
  readonly latencies: readonly number[];
  /** The create calls' own round trips, ms. */
  readonly createRoundTrips: readonly number[];
  readonly missing: number;
}

/** Creates `probes` new LoadBalancer Services at `probeRate` and waits for each one's first ensure. */
async function runProbes(clients: Clients, child: ChildProcess): Promise<ProbeResult> {
  const sent: { uid: string; sentAt: number }[] = [];
  const createRoundTrips: number[] = [];
  const tick = progress('probe Services', probes);
  const started = performance.now();
  await pool(
    Array.from({ length: probes }, (_, i) => i),
    concurrency,
    async (i) => {
      const wait = started + (i * 1000) / probeRate - performance.now();
      if (wait > 0) await sleep(wait);
      const plan = { namespace: PROBE_NAMESPACE, name: `probe-${String(i).padStart(4, '0')}`, loadBalancer: true };
      const sentAt = Date.now();
      const created = await clients.core.createNamespacedService({
        namespace: PROBE_NAMESPACE,
        body: serviceBody(plan),
      });
      createRoundTrips.push(Date.now() - sentAt);
      sent.push({ uid: created.metadata?.uid ?? '', sentAt });
      tick();
    },
  );
  const deadline = Date.now() + FIRST_ENSURE_TIMEOUT_MS;
  let times = await firstEnsureTimes(
    child,
    sent.map((s) => s.uid),
  );
  while (times.some((t) => t === null) && Date.now() < deadline) {
    await sleep(250);
    times = await firstEnsureTimes(
      child,
      sent.map((s) => s.uid),
    );
  }
  const latencies = sent.flatMap((s, i) => {
    const at = times[i];
    return at === null || at === undefined ? [] : [at - s.sentAt];
  });
  return {
    latencies: latencies.sort((a, b) => a - b),
    createRoundTrips: createRoundTrips.sort((a, b) => a - b),
    missing: sent.length - latencies.length,
  };
}

const statusWrites = (s: OperatorStats): number => s.requests['PATCH services/status'] ?? 0;
const memoryLine = (m: MemoryFigures, gc?: MemoryFigures): string =>
  `RSS ${mib(m.rss)}, heap used ${mib(m.heapUsed)} of ${mib(m.heapTotal)}, external ${mib(m.external)}` +
  (gc === undefined ? '' : `; after a full GC: RSS ${mib(gc.rss)}, heap used ${mib(gc.heapUsed)}`);

/** How big one Service is as the API server serves it, and how much of that is managedFields. */
async function serviceSize({ core }: Clients, plan: ServicePlan): Promise<string> {
  const svc = await core.readNamespacedService({ namespace: plan.namespace, name: plan.name });
  const managed = JSON.stringify(svc.metadata?.managedFields ?? []).length;
  return `${JSON.stringify(svc).length} B JSON (managedFields ${managed} B)`;
}

let controlPlane: ControlPlane | undefined;
let child: ChildProcess | undefined;
let snapshotDir: string | undefined;
const stopEverything = async (): Promise<void> => {
  await stopOperatorProcess(child).catch(() => undefined);
  child = undefined;
  if (snapshotDir !== undefined) await rm(snapshotDir, { recursive: true, force: true });
  await controlPlane?.stop();
  controlPlane = undefined;
};
let cleaning: Promise<void> | undefined;
/** Once, whoever asks first (the end of the run, or a signal during it). */
const cleanUp = async (): Promise<void> => await (cleaning ??= stopEverything());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

try {
  say(`starting a control plane (${services} Services, one in ${lbEvery} a LoadBalancer; ${nodes} Nodes)`);
  controlPlane = await startControlPlane({ crds: TEST_CRD_PROVIDERS });
  const loaded = new KubeConfig();
  loaded.loadFromFile(controlPlane.kubeconfigPath);
  const kc = withConnectionReuse(loaded);
  const clients: Clients = { kc, core: kc.makeApiClient(CoreV1Api), custom: kc.makeApiClient(CustomObjectsApi) };
  const namespaces = [
    OPERATOR_NAMESPACE,
    PROBE_NAMESPACE,
    ...Array.from({ length: SCALE_NAMESPACES }, (_, i) => `team-${String(i).padStart(2, '0')}`),
  ];
  for (const name of namespaces) await clients.core.createNamespace({ body: { metadata: { name } } });
  await createProvider(clients, 'bench');
  const settings = {
    kubeconfigPath: controlPlane.kubeconfigPath,
    namespace: OPERATOR_NAMESPACE,
    latencyMs: 0,
    workers,
  };

  say('operator, idle (no Services, no Nodes)');
  child = await startOperatorProcess(settings);
  await sleep(SETTLE_MS);
  const idle = await operatorStats(child);
  const idleGc = await operatorMemoryAfterGc(child);
  await stopOperatorProcess(child);
  child = undefined;

  const plans = Array.from({ length: services }, (_, i) => servicePlan(i, lbEvery, ssaEvery));
  const lbCount = plans.filter((p) => p.loadBalancer).length;
  const creating = performance.now();
  await createNodes(clients);
  await createServices(clients, plans);
  const createdSeconds = (performance.now() - creating) / 1000;
  const sizes = {
    applied: plans.find((p) => p.serverSideApply && p.loadBalancer),
    created: plans.find((p) => !p.serverSideApply && p.loadBalancer),
  };

  say('operator, started after the objects exist');
  const forked = performance.now();
  child = await startOperatorProcess(settings);
  const operatorUp = performance.now();
  const synced = await operatorStats(child);
  await withTimeout(
    allReady(kc, clients.core, undefined, lbCount),
    READY_TIMEOUT_MS,
    'all LoadBalancer Services ready',
  );
  const allLbReady = performance.now();
  const atReady = await operatorStats(child);
  await sleep(SETTLE_MS);
  const loadedStats = await operatorStats(child);
  const loadedGc = await operatorMemoryAfterGc(child);

  say('heap snapshot of the operator, loaded');
  snapshotDir = await mkdtemp(join(tmpdir(), 'cloudlb-scale-'));
  const snapshotPath = await operatorHeapSnapshot(child, join(snapshotDir, 'operator.heapsnapshot'));
  const heap: HeapSummary = await readHeapSnapshotSummary(snapshotPath);
  await rm(snapshotDir, { recursive: true, force: true });

  const provisionSeconds = (allLbReady - operatorUp) / 1000;
  const ms = (n: number): string => `${n.toFixed(0)} ms`;
  /** The operator's API writes (not reads) between two stats, by kind. */
  const writes = (to: OperatorStats, from?: OperatorStats): string =>
    Object.entries(to.requests)
      .filter(([kind]) => !kind.startsWith('GET '))
      .map(([kind, n]) => `${kind} ${n - (from?.requests[kind] ?? 0)}`)
      .join(', ');
  // Printed before the churn phase, so a run whose operator falls behind under churn still reports these.
  print([
    `cluster                     ${services} Services (${lbCount} LoadBalancer, two ports; one in ${ssaEvery} server-side applied) in ${SCALE_NAMESPACES} namespaces, ${nodes} Nodes; operator: ${workers} workers, provider latency ${latencyMs} ms`,
    `created in                  ${createdSeconds.toFixed(1)} s (${concurrency} in flight)`,
    `one LoadBalancer Service    ${sizes.applied ? await serviceSize(clients, sizes.applied) : '-'} applied server-side; ${sizes.created ? await serviceSize(clients, sizes.created) : '-'} created`,
    '',
    `operator idle               ${memoryLine(idle.memory, idleGc)}`,
    `operator after sync         ${memoryLine(synced.memory)}`,
    `operator, LBs ready         ${memoryLine(loadedStats.memory, loadedGc)}`,
    '',
    `cache sync at start         ${ms(synced.syncMs)} (startOperator until ready()); ${ms(synced.processToReadyMs)} from the process's start; ${ms(operatorUp - forked)} from fork, seen by the driver`,
    `LoadBalancers ready         ${provisionSeconds.toFixed(1)} s after the operator was up (${lbCount}); ${atReady.reconciles} reconciles, ${atReady.providerCalls} provider calls`,
    `status writes, provisioning ${(statusWrites(atReady) / provisionSeconds).toFixed(1)}/s (${statusWrites(atReady)} in ${provisionSeconds.toFixed(1)} s)`,
    `operator writes to ready    ${writes(atReady)}`,
    '',
    `heap snapshot of the operator with every LB ready (self size by constructor or V8 node type; retained sizes not computed):`,
    ...formatHeapSummary(heap, heapTop).map((line) => `  ${line}`),
    '',
  ]);

  say(`churn at ${churnRate}/s over ${churnServices} Services and ${churnNodes} Nodes; ${probes} probe Services`);
  const beforeChurn = await operatorStats(child);
  const churnTargets = churnServices + churnNodes;
  const churn = startChurn(churnRate, concurrency, async (n) => {
    const target = n % Math.max(1, churnTargets);
    const plan = plans[target];
    if (target < churnServices && plan !== undefined) {
      const patch = { name: plan.name, namespace: plan.namespace, body: churnPatch(n) };
      await clients.core.patchNamespacedService(patch, mergePatch);
    } else if (churnNodes > 0) {
      await clients.core.patchNode({ name: nodeName(target - churnServices), body: churnPatch(n) }, mergePatch);
    }
  });
  let probed: ProbeResult;
  let churned: Awaited<ReturnType<typeof churn.stop>>;
  try {
    await sleep(2_000);
    probed = await runProbes(clients, child);
  } finally {
    churned = await churn.stop();
  }
  const afterChurn = await operatorStats(child);
  const afterChurnGc = await operatorMemoryAfterGc(child);

  const churnWindow = churned.seconds;
  print([
    `churn                       ${churned.updates} updates in ${churnWindow.toFixed(1)} s (${(churned.updates / churnWindow).toFixed(1)}/s asked ${churnRate}/s; ${churned.failures} failed) over ${churnServices} Services + ${churnNodes} Nodes`,
    `create → first ensure       p50 ${ms(percentile(probed.latencies, 0.5))}, p99 ${ms(percentile(probed.latencies, 0.99))}, max ${ms(percentile(probed.latencies, 1))} over ${probed.latencies.length} new LoadBalancer Services at ${probeRate}/s${probed.missing > 0 ? ` (${probed.missing} never reached the provider within ${FIRST_ENSURE_TIMEOUT_MS / 1000} s)` : ''}`,
    `  of which the create call  p50 ${ms(percentile(probed.createRoundTrips, 0.5))}, p99 ${ms(percentile(probed.createRoundTrips, 0.99))} (the driver's round trip to the API server)`,
    `status writes under churn   ${((statusWrites(afterChurn) - statusWrites(beforeChurn)) / churnWindow).toFixed(1)}/s (${statusWrites(afterChurn) - statusWrites(beforeChurn)} in ${churnWindow.toFixed(1)} s)`,
    `operator writes in churn    ${writes(afterChurn, beforeChurn)}`,
    `operator after churn        ${memoryLine(afterChurn.memory, afterChurnGc)} (RSS grown by the heap snapshot taken before churn)`,
    `operator peak (incl. snapshot) RSS ${mib(afterChurn.peakRss)}, heap used ${mib(afterChurn.peakHeapUsed)}`,
  ]);
} finally {
  await cleanUp();
}
