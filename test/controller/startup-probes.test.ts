// The health server answers liveness from the first moment, while the caches still fill: a
// kubelet's liveness probe must never kill a replica that is only slow to list (seen on a loaded
// node, about 12 s). Readiness waits for the caches.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { deleteTestNamespaces, testCluster, testNamespace, type TestCluster } from '../harness/cluster.ts';
import { freePort } from '../harness/free-port.ts';
import { eventually } from '../harness/wait.ts';
import { apiServerAddress, kubeConfigVia, startTcpProxy } from '../kube/tcp-proxy.ts';
import { startOperator } from '../../src/operator/index.ts';
import { ProviderRegistry } from '../../src/provider/registry.ts';
import { testLogger } from '../support/fixture.ts';

let cluster: TestCluster;
let ns: string;

before(async () => {
  cluster = await testCluster();
  ns = await testNamespace(cluster, 'startup');
});
after(async () => await deleteTestNamespaces());

test('/healthz answers 200 before the caches sync; /readyz says 503 until they have', async () => {
  const proxy = await startTcpProxy(apiServerAddress(cluster.kc));
  // Every connection to the API server is held unanswered: no list can complete.
  proxy.setMode('blackhole');
  const healthPort = await freePort();
  const starting = startOperator({
    kc: kubeConfigVia(cluster.kc, proxy),
    clusterName: 'startup',
    namespace: ns,
    registry: new ProviderRegistry([]),
    healthAddr: `127.0.0.1:${healthPort}`,
    sweep: { enabled: false, intervalMs: 600_000, graceMs: 0 },
    drainMs: 1_000,
    log: testLogger('startup'),
  });
  let startResolved = false;
  void starting.then(() => (startResolved = true)).catch(() => undefined);
  try {
    const base = `http://127.0.0.1:${healthPort}`;
    await eventually(async () => assert.equal((await fetch(`${base}/healthz`)).status, 200));
    // The marker that the informers are blocked: a list request sits in the black hole.
    await eventually(() => assert.ok(proxy.connections() > 0, 'the informers reached the API server'));
    assert.equal(startResolved, false, 'startOperator waits for the caches');
    assert.equal((await fetch(`${base}/livez`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 503);

    proxy.setMode('pass');
    const operator = await starting;
    assert.equal(operator.healthPort, healthPort);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    await operator.stop();
  } finally {
    proxy.setMode('pass');
    await (await starting.catch(() => undefined))?.stop();
    await proxy.stop();
  }
});
