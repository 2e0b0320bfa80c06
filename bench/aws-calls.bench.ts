// AWS API calls by operation (and time) for the AWS provider against moto_server, provider-level:
//   (a) creating one 2-port Service, (b) a no-op resync of N Services, (c) adding one node to N
//   Services — (b) and (c) each without and with the Describe batcher (src/provider/batcher.ts) —
//   and (d) time for M Services to become ready (provider-level; the controller-level figure is
//   bench/aws-ready.bench.ts). Per operation it also prints moto's answer time (HTTP request sent
//   to response received; mean, p95, max) so a slow call shows itself. Prints figures; never passes
//   or fails on time.
//
// Run: node bench/aws-calls.bench.ts
//   env: AWS_BENCH_N=1000 AWS_BENCH_READY=200 AWS_BENCH_CONCURRENCY=16 AWS_BENCH_QPS=1000
//        AWS_BENCH_ACCOUNTS=1 (spread the N Services over this many moto accounts, x-moto-account-id)
import { pino } from 'pino';
import { AwsProvider, type AwsProviderOverrides } from '../providers/aws/provider.ts';
import { createClients, type AwsClients } from '../providers/aws/api/clients.ts';
import { parseAwsSpec } from '../providers/aws/spec.ts';
import { startMoto } from '../test/harness/moto.ts';
import { CLUSTER, FAST_RETRY, REGION, node, seedNetwork, service, type AwsService } from '../test/aws/fixtures.ts';

const N = Number(process.env['AWS_BENCH_N'] ?? 1000);
const READY = Number(process.env['AWS_BENCH_READY'] ?? 200);
const CONCURRENCY = Number(process.env['AWS_BENCH_CONCURRENCY'] ?? 16);
const QPS = Number(process.env['AWS_BENCH_QPS'] ?? 1000);
const ACCOUNTS = Number(process.env['AWS_BENCH_ACCOUNTS'] ?? 1);

let transientFailures = 0;

/** Calls by operation and moto's answer times, shared by every provider of the bench. */
class Recorder {
  readonly calls = new Map<string, number>();
  readonly latencies = new Map<string, number[]>();
  reset(): void {
    this.calls.clear();
    this.latencies.clear();
  }
  count(op: string): void {
    this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
  }
  time(op: string, ms: number): void {
    const list = this.latencies.get(op) ?? [];
    list.push(ms);
    this.latencies.set(op, list);
  }
}

/** SDK clients with the moto account header (when not the default) and a timer on each HTTP request. */
function clients(endpoint: string, recorder: Recorder, account: string | undefined): AwsClients {
  const built = createClients(parseAwsSpec({ region: REGION, endpoint }), {
    accessKeyId: 'testing',
    secretAccessKey: 'testing',
  });
  for (const [service, client] of [
    ['elbv2', built.elbv2],
    ['ec2', built.ec2],
  ] as const) {
    // Both clients share the smithy middleware stack; one type keeps the two additions in one place.
    const stack = client.middlewareStack as unknown as AwsClients['elbv2']['middlewareStack'];
    stack.add(
      (next, context) => async (args) => {
        const started = performance.now();
        try {
          return await next(args);
        } finally {
          recorder.time(
            `${service}:${(context.commandName ?? '?').replace(/Command$/, '')}`,
            performance.now() - started,
          );
        }
      },
      // Innermost, inside the deserializer: from sending the HTTP request until moto's response
      // arrives (moto builds the whole answer before it replies), without the SDK's serializing,
      // signing and parsing (client CPU work, which a loaded machine stretches).
      { step: 'deserialize', priority: 'low', name: 'benchTimer' },
    );
    if (account !== undefined) {
      stack.add(
        (next) => async (args) => {
          const request = args.request as { headers?: Record<string, string> };
          if (request.headers !== undefined) request.headers['x-moto-account-id'] = account;
          return await next(args);
        },
        { step: 'build', name: 'motoAccount' },
      );
    }
  }
  return built;
}

function provider(
  endpoint: string,
  recorder: Recorder,
  account: string | undefined,
  batching: AwsProviderOverrides['batching'],
): AwsProvider {
  return new AwsProvider(
    { region: REGION, endpoint, rateLimit: { qps: QPS, burst: QPS } },
    {
      providerName: 'aws-bench',
      clusterName: CLUSTER,
      credentials: { aws_access_key_id: 'testing', aws_secret_access_key: 'testing' },
      log: pino({ level: 'silent' }),
      countCall: (op) => recorder.count(op),
    },
    { clients: clients(endpoint, recorder, account), retry: FAST_RETRY, ...(batching !== undefined && { batching }) },
  );
}

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

const ms = (list: readonly number[], q: number): number => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};

function print(title: string, recorder: Recorder, services: number): number {
  const total = [...recorder.calls.values()].reduce((a, b) => a + b, 0);
  console.log(`\n${title}: ${total} calls (${(total / services).toFixed(2)} per Service)`);
  console.log(
    `  ${'operation'.padEnd(40)} ${'calls'.padStart(6)} ${'/Svc'.padStart(6)}   moto answer ms: mean / p95 / max`,
  );
  for (const [op, n] of [...recorder.calls].sort(([a], [b]) => a.localeCompare(b))) {
    const lat = recorder.latencies.get(op) ?? [];
    const mean = lat.reduce((a, b) => a + b, 0) / Math.max(1, lat.length);
    console.log(
      `  ${op.padEnd(40)} ${String(n).padStart(6)} ${(n / services).toFixed(2).padStart(6)}   ${mean.toFixed(0)} / ${ms(lat, 0.95).toFixed(0)} / ${ms(lat, 1).toFixed(0)}`,
    );
  }
  return total;
}

interface Tenant {
  readonly account: string | undefined;
  readonly services: AwsService[];
  unbatched: AwsProvider;
  batched: AwsProvider;
}

const moto = await startMoto();
const recorder = new Recorder();
const tenants: Tenant[] = [];
try {
  const signal = AbortSignal.timeout(4 * 3_600_000);
  // Account 123456789012 is moto's default; the others are fresh moto backends of their own.
  for (let a = 0; a < ACCOUNTS; a++) {
    const account = a === 0 ? undefined : String(100000000000 + a);
    if (account !== undefined) {
      // seedNetwork uses the default account: seed through a tenant's own clients instead.
      await seedFor(moto.endpoint, account);
    } else {
      await seedNetwork(moto.endpoint);
    }
    const share = Math.floor(N / ACCOUNTS) + (a < N % ACCOUNTS ? 1 : 0);
    tenants.push({
      account,
      services: Array.from({ length: share }, () => service()),
      unbatched: provider(moto.endpoint, recorder, account, false),
      batched: provider(moto.endpoint, recorder, account, undefined),
    });
  }
  const first = tenants[0];
  if (first === undefined) throw new Error('AWS_BENCH_ACCOUNTS must be at least 1');
  console.log(
    `AWS provider against moto: N=${N} Services over ${ACCOUNTS} moto account(s), concurrency ${CONCURRENCY}, rate limit ${QPS} qps`,
  );

  const one = service();
  recorder.reset();
  await first.batched.ensure(one, signal);
  print('(a) create one 2-port Service', recorder, 1);
  await first.batched.delete(one, signal);

  let t0 = performance.now();
  recorder.reset();
  await Promise.all(tenants.map((t) => pool(t.services, (s) => t.batched.ensure(s, signal))));
  const setupSeconds = (performance.now() - t0) / 1000;
  print(`setup: create ${N} Services (${setupSeconds.toFixed(1)} s)`, recorder, N);

  const results: Record<string, number> = {};
  for (const batching of [false, true]) {
    const label = batching ? 'with batching' : 'without batching';
    recorder.reset();
    t0 = performance.now();
    await Promise.all(
      tenants.map((t) =>
        pool(t.services, async (s) => {
          const st = await (batching ? t.batched : t.unbatched).ensure(s, signal);
          if (st.changed) throw new Error(`no-op resync changed ${s.name}`);
        }),
      ),
    );
    results[`b-${label}`] = print(
      `(b) no-op resync of ${N} Services, ${label} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      recorder,
      N,
    );
  }
  for (const batching of [false, true]) {
    const label = batching ? 'with batching' : 'without batching';
    const extra = node(`n-new-${label.length}`, batching ? 'i-00000000000000fe' : 'i-00000000000000ff');
    for (const t of tenants)
      for (const [i, s] of t.services.entries()) t.services[i] = { ...s, targets: [...s.targets, extra] };
    recorder.reset();
    t0 = performance.now();
    await Promise.all(
      tenants.map((t) => pool(t.services, (s) => (batching ? t.batched : t.unbatched).ensure(s, signal))),
    );
    results[`c-${label}`] = print(
      `(c) add one node to ${N} Services, ${label} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      recorder,
      N,
    );
  }

  await moto.reset();
  await seedNetwork(moto.endpoint);
  const fresh = provider(moto.endpoint, recorder, undefined, undefined);
  const ready = Array.from({ length: READY }, () => service());
  recorder.reset();
  t0 = performance.now();
  await pool(ready, (s) => fresh.ensure(s, signal));
  const seconds = (performance.now() - t0) / 1000;
  const calls = print(
    `(d) ${READY} Services ready through moto (provider-level, concurrency ${CONCURRENCY}): ${seconds.toFixed(1)} s`,
    recorder,
    READY,
  );
  console.log(
    `    with the default rate limit (10 qps, burst 20) the same ${calls} calls need at least ${((calls - 20) / 10).toFixed(0)} s`,
  );
  console.log(`\nsummary (calls per Service): no-op resync ${fmt(results, 'b')}; add one node ${fmt(results, 'c')}`);
  console.log(`transient failures retried (moto 500s): ${transientFailures}`);
  await fresh.close();
} finally {
  for (const t of tenants) {
    await t.unbatched.close();
    await t.batched.close();
  }
  await moto.stop();
}

function fmt(results: Record<string, number>, phase: string): string {
  const before = results[`${phase}-without batching`] ?? 0;
  const after = results[`${phase}-with batching`] ?? 0;
  return `${(before / N).toFixed(2)} → ${(after / N).toFixed(2)}`;
}

/** The same VPC and tagged subnets as seedNetwork, in another moto account. */
async function seedFor(endpoint: string, account: string): Promise<void> {
  const { CreateSubnetCommand, CreateTagsCommand, CreateVpcCommand } = await import('@aws-sdk/client-ec2');
  const { ec2, elbv2 } = clients(endpoint, new Recorder(), account);
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.10.0.0/16' }));
  for (const [i, zone] of ['us-east-1a', 'us-east-1b'].entries()) {
    const s = await ec2.send(
      new CreateSubnetCommand({ VpcId: vpc.Vpc?.VpcId ?? '', CidrBlock: `10.10.${i}.0/24`, AvailabilityZone: zone }),
    );
    await ec2.send(
      new CreateTagsCommand({
        Resources: [s.Subnet?.SubnetId ?? ''],
        Tags: [
          { Key: 'kubernetes.io/role/elb', Value: '1' },
          { Key: 'kubernetes.io/role/internal-elb', Value: '1' },
          { Key: `kubernetes.io/cluster/${CLUSTER}`, Value: 'shared' },
        ],
      }),
    );
  }
  ec2.destroy();
  elbv2.destroy();
}
