// Through the real control plane with the local provider in an unprivileged process: port 80 is
// refused on its own (status port error, condition, one Warning event saying what to do), the
// other port is served, and the refusal is not retried as a failure.
// The test process runs as root, so the system's EACCES is injected at the bind seam.
// Run with: node test/run.ts test/local/privileged-ports.test.ts
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CONDITION_TYPE } from '../../src/controller/constants.ts';
import type { RunningOperator } from '../../src/operator/index.ts';
import { ProviderRegistry, type ProviderFactory } from '../../src/provider/registry.ts';
import { listenError } from '../../providers/local/errors.ts';
import { localProvider } from '../../providers/local/index.ts';
import { openProxy, type ProxyOpener } from '../../providers/local/open-proxy.ts';
import { LocalProvider } from '../../providers/local/provider.ts';
import { NoAllocationStore } from '../../providers/local/store.ts';
import { deleteTestNamespaces, testCluster, testNamespace, type TestCluster } from '../harness/cluster.ts';
import { eventually } from '../harness/wait.ts';
import {
  createNode,
  createProvider,
  createService,
  deleteNode,
  deleteProvider,
  eventLine,
  getService,
  serviceEvents,
  suffix,
  waitForIngress,
} from '../support/fixture.ts';
import { commonPort, startLocalOperator, testPool } from './fixtures.ts';

const id = suffix();
const providerName = `local-lowport-${id}`;
const nodeName = `local-lowport-${id}-node`;
let cluster: TestCluster;
let ns: string;
let operator: RunningOperator | undefined;

/** What the kernel does to a process without CAP_NET_BIND_SERVICE (ip_unprivileged_port_start 1024). */
const unprivileged: ProxyOpener = async (request) => {
  if (request.port >= 1024) return await openProxy(request);
  const denied = Object.assign(new Error(`listen EACCES: permission denied ${request.address}:${request.port}`), {
    code: 'EACCES',
  });
  throw listenError(denied, `${request.address}:${request.port}/${request.protocol}`);
};

const unprivilegedLocal = {
  ...localProvider,
  load: (): Promise<ProviderFactory> =>
    Promise.resolve(
      (spec, context) => new LocalProvider(spec, context, { store: new NoAllocationStore(), openProxy: unprivileged }),
    ),
};

before(async () => {
  cluster = await testCluster();
  ns = await testNamespace(cluster, 'local-lowport');
  await createNode(cluster, nodeName, { addresses: [{ type: 'InternalIP', address: '127.0.0.42' }] });
  await createProvider(cluster, providerName, { local: { addressPool: testPool(21) } });
  operator = await startLocalOperator(cluster, {
    namespace: ns,
    clusterName: 'local-lowport',
    registry: new ProviderRegistry([unprivilegedLocal]),
  });
});

after(async () => {
  await operator?.stop();
  await deleteProvider(cluster, providerName);
  await deleteNode(cluster, nodeName);
  await deleteTestNamespaces();
});

test('port 80 is refused with PortNotPermitted and one Warning; the high port is served', async () => {
  const high = await commonPort(['127.0.0.1']);
  const lbClass = `cloudlb.dev/${providerName}`;
  await createService(cluster, ns, 'web', lbClass, [
    { name: 'http', port: 80, protocol: 'TCP' },
    { name: 'alt', port: high, protocol: 'TCP' },
  ]);
  const refusal =
    /^port 80\/TCP refused by provider local-lowport-\w+ \(local\): cannot listen on 127\.78\.21\.\d+:80\/TCP: ports below 1024 need root, CAP_NET_BIND_SERVICE, or net\.ipv4\.ip_unprivileged_port_start lowered on the node; use a port of 1024 or more/;
  await eventually(
    async () => {
      const service = await getService(cluster, ns, 'web');
      const ports = (service.status?.loadBalancer?.ingress?.[0]?.ports ?? []).map((p) => ({ ...p }));
      assert.deepEqual(ports, [
        { port: 80, protocol: 'TCP', error: 'cloudlb.dev/PortNotPermitted' },
        { port: high, protocol: 'TCP' },
      ]);
      const condition = service.status?.conditions?.find((c) => c.type === CONDITION_TYPE);
      assert.equal(condition?.status, 'True', condition?.message);
      assert.equal(condition?.reason, 'PortsRefused');
      assert.match(
        condition?.message ?? '',
        new RegExp(`^Serving ${high}/TCP at 127\\.78\\.21\\.\\d+; port 80/TCP refused by`),
      );
    },
    { timeoutMs: 30_000, intervalMs: 300, message: 'the Service did not show port 80 refused' },
  );

  // The marker that the worker went on: a later Service is served. Then the first Service's
  // events are complete, and its refusal was said once, not retried as a failure.
  await createService(cluster, ns, 'later', lbClass, [{ name: 'alt', port: high, protocol: 'TCP' }]);
  await waitForIngress(cluster, ns, 'later', { timeoutMs: 30_000 });
  const events = await serviceEvents(cluster, ns, 'web');
  const lines = events.map(eventLine);
  const warnings = events.filter((e) => e.type === 'Warning');
  assert.equal(warnings.length, 1, lines.join('\n'));
  assert.equal(warnings[0]?.reason, 'SyncLoadBalancerFailed');
  assert.equal(warnings[0]?.count ?? 1, 1, 'said once');
  assert.match(warnings[0]?.message ?? '', new RegExp(refusal.source.slice(1).replace(/^port/, '^Port')));
  const ensured = lines.filter((l) => l.startsWith('Normal EnsuredLoadBalancer'));
  assert.equal(ensured.length, 1, lines.join('\n'));
  assert.match(ensured[0] ?? '', new RegExp(`with listeners ${high}/TCP on 1 node; port 80/TCP refused by`));
});
