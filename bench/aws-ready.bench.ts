// Time for M Services to become ready through moto THROUGH THE CONTROLLER: a real control plane,
// the operator in-process with the AWS provider (real SDK) against moto_server, nodes backed by
// moto instances. Counts AWS calls by operation from the operator's own metric. Prints figures;
// never passes or fails on time.
//
//   node bench/aws-ready.bench.ts [--services 200] [--workers 16] [--qps 1000]
import { parseArgs } from 'node:util';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { startControlPlane } from '../test/harness/controlplane.ts';
import { startMoto } from '../test/harness/moto.ts';
import type { TestCluster } from '../test/harness/cluster.ts';
import { seedNetwork } from '../test/aws/fixtures.ts';
import {
  createAwsNode,
  createAwsProviderObject,
  createCredentialsSecret,
  runInstances,
  startAwsOperator,
} from '../test/aws/e2e-fixtures.ts';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '200' },
    workers: { type: 'string', default: '16' },
    qps: { type: 'string', default: '1000' },
  },
});
const services = Number(values.services);
const workers = Number(values.workers);
const qps = Number(values.qps);

process.stderr.write('[bench] starting a control plane and moto\n');
const controlPlane = await startControlPlane({ crds: true });
const moto = await startMoto();
let operator: Awaited<ReturnType<typeof startAwsOperator>> | undefined;
try {
  const kc = new KubeConfig();
  kc.loadFromFile(controlPlane.kubeconfigPath);
  const cluster = {
    kubeconfigPath: controlPlane.kubeconfigPath,
    kc,
    core: kc.makeApiClient(CoreV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
  } as unknown as TestCluster;
  const namespace = 'bench';
  await cluster.core.createNamespace({ body: { metadata: { name: namespace } } });
  const { subnets } = await seedNetwork(moto.endpoint);
  const instances = await runInstances(moto.endpoint, subnets[0] ?? '', 3);
  for (const [i, instance] of instances.entries()) await createAwsNode(cluster, `bench-node-${i}`, instance);
  await createCredentialsSecret(cluster, namespace, 'aws-credentials', 'AKIABENCH0000000001');
  await createAwsProviderObject(
    cluster,
    'aws-bench',
    { region: 'us-east-1', endpoint: moto.endpoint, subnetIDs: subnets, rateLimit: { qps, burst: qps } },
    'aws-credentials',
  );
  operator = await startAwsOperator(cluster, { clusterName: 'bench', namespace, workers });

  const t0 = performance.now();
  const names = Array.from({ length: services }, (_, i) => `svc-${i}`);
  for (let i = 0; i < names.length; i += 32) {
    await Promise.all(
      names.slice(i, i + 32).map((name) =>
        cluster.core.createNamespacedService({
          namespace,
          body: {
            metadata: { name },
            spec: {
              type: 'LoadBalancer',
              loadBalancerClass: 'cloudlb.dev/aws-bench',
              selector: { app: name },
              ports: [
                { name: 'http', port: 80, protocol: 'TCP' },
                { name: 'https', port: 443, protocol: 'TCP' },
              ],
            },
          },
        }),
      ),
    );
  }
  const created = performance.now();
  let ready = 0;
  for (;;) {
    const list = await cluster.core.listNamespacedService({ namespace });
    ready = list.items.filter((s) => s.status?.loadBalancer?.ingress?.[0]?.hostname !== undefined).length;
    if (ready >= services) break;
    process.stderr.write(
      `[bench] ${ready}/${services} ready after ${((performance.now() - t0) / 1000).toFixed(0)} s\n`,
    );
    await new Promise((r) => setTimeout(r, 1_000));
  }
  const seconds = (performance.now() - t0) / 1000;
  const calls = (await operator.metrics.cloudCalls.get()).values;
  const total = calls.reduce((n, v) => n + v.value, 0);
  console.log(
    `${services} two-port Services ready through moto via the controller (workers ${workers}, rate limit ${qps} qps): ${seconds.toFixed(1)} s` +
      ` (Services created in ${((created - t0) / 1000).toFixed(1)} s; ${(services / seconds).toFixed(1)} Services/s)`,
  );
  console.log(
    `AWS calls: ${total} (${(total / services).toFixed(2)} per Service), reconciles: ${operator.reconciles()}`,
  );
  for (const v of [...calls].sort((a, b) => String(a.labels['operation']).localeCompare(String(b.labels['operation']))))
    console.log(`  ${String(v.labels['operation']).padEnd(40)} ${v.value}`);
} finally {
  await operator?.stop();
  await moto.stop();
  await controlPlane.stop();
}
