// AWS API calls by operation (and time) for the AWS provider against moto_server, provider-level:
//   (a) creating one 2-port Service, (b) a no-op resync of N Services, (c) adding one node to N
//   Services, (d) time for M Services to become ready. Prints figures; never passes or fails on time.
// Run: node bench/aws-calls.bench.ts   (env: AWS_BENCH_N=1000 AWS_BENCH_READY=200 AWS_BENCH_CONCURRENCY=16 AWS_BENCH_QPS=1000)
import { startMoto } from '../test/harness/moto.ts';
import { countedProvider, node, seedNetwork, service } from '../test/aws/fixtures.ts';
import type { DesiredLoadBalancer } from '../src/provider/contract.ts';

const N = Number(process.env['AWS_BENCH_N'] ?? 1000);
const READY = Number(process.env['AWS_BENCH_READY'] ?? 200);
const CONCURRENCY = Number(process.env['AWS_BENCH_CONCURRENCY'] ?? 16);
const QPS = Number(process.env['AWS_BENCH_QPS'] ?? 1000);

let transientFailures = 0;

async function pool<T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++];
        // As the controller would: a transient error (moto answers 500 under load now and then) is
        // followed by another ensure.
        for (let attempt = 1; item !== undefined; attempt++) {
          try {
            await fn(item);
            break;
          } catch (error) {
            if (attempt >= 5) throw error;
            transientFailures++;
          }
        }
      }
    }),
  );
}

function print(title: string, calls: Map<string, number>, services: number): void {
  const total = [...calls.values()].reduce((a, b) => a + b, 0);
  console.log(`\n${title}: ${total} calls (${(total / services).toFixed(2)} per Service)`);
  for (const [op, n] of [...calls].sort(([a], [b]) => a.localeCompare(b))) console.log(`  ${op.padEnd(42)} ${n}`);
}

const moto = await startMoto();
try {
  await seedNetwork(moto.endpoint);
  const signal = AbortSignal.timeout(3_600_000);
  const c = countedProvider(moto.endpoint, { rateLimit: { qps: QPS, burst: QPS } });

  const one = service();
  c.reset();
  await c.provider.ensure(one, signal);
  print('(a) create one 2-port Service', c.calls, 1);

  const many: DesiredLoadBalancer[] = Array.from({ length: N }, () => service());
  let t0 = performance.now();
  await pool(many, (s) => c.provider.ensure(s, signal));
  console.log(
    `\nsetup: created ${N} Services in ${((performance.now() - t0) / 1000).toFixed(1)} s (concurrency ${CONCURRENCY})`,
  );

  c.reset();
  t0 = performance.now();
  await pool(many, async (s) => {
    const st = await c.provider.ensure(s, signal);
    if (st.changed) throw new Error(`no-op resync changed ${s.name}`);
  });
  print(`(b) no-op resync of ${N} Services (${((performance.now() - t0) / 1000).toFixed(1)} s)`, c.calls, N);

  c.reset();
  t0 = performance.now();
  await pool(many, (s) =>
    c.provider.ensure({ ...s, targets: [...s.targets, node('n-new', 'i-00000000000000ff')] }, signal),
  );
  print(`(c) add one node to ${N} Services (${((performance.now() - t0) / 1000).toFixed(1)} s)`, c.calls, N);

  await moto.reset();
  await seedNetwork(moto.endpoint);
  const fresh = countedProvider(moto.endpoint, { rateLimit: { qps: QPS, burst: QPS } });
  const ready = Array.from({ length: READY }, () => service());
  t0 = performance.now();
  await pool(ready, (s) => fresh.provider.ensure(s, signal));
  const seconds = (performance.now() - t0) / 1000;
  const calls = [...fresh.calls.values()].reduce((a, b) => a + b, 0);
  console.log(
    `\n(d) ${READY} Services ready through moto (provider-level, concurrency ${CONCURRENCY}, rate limit ${QPS} qps): ${seconds.toFixed(1)} s, ${calls} calls`,
  );
  console.log(
    `    with the default rate limit (10 qps, burst 20) the same ${calls} calls need at least ${((calls - 20) / 10).toFixed(0)} s`,
  );
  console.log(`\ntransient failures retried (moto 500s): ${transientFailures}`);
  await c.provider.close();
  await fresh.provider.close();
} finally {
  await moto.stop();
}
