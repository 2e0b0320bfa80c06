import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { KubeConfig, V1ConfigMap } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { deleteTestNamespaces, testCluster, testNamespace, type TestCluster } from '../harness/cluster.ts';
import { eventually } from '../harness/wait.ts';
import { SupervisedInformer } from '../../src/kube/informer.ts';
import { createMetrics } from '../../src/kube/metrics.ts';
import { captureLog } from './log.ts';
import { apiServerAddress, kubeConfigVia, startTcpProxy } from './tcp-proxy.ts';

type Seen = { event: 'add' | 'update' | 'delete'; name: string; data?: string | undefined; old?: string | undefined };

function configMapInformer(kc: KubeConfig, ns: string, extra: { staleAfterMs?: number } = {}) {
  const metrics = createMetrics(new Registry());
  const { log, lines } = captureLog();
  const informer = new SupervisedInformer<V1ConfigMap>({
    name: 'configmaps',
    kc,
    path: `/api/v1/namespaces/${ns}/configmaps`,
    // Small pages, so listing follows `continue` tokens.
    pageSize: 2,
    log,
    restartBackoff: { baseMs: 100, maxMs: 1000 },
    metrics,
    ...extra,
  });
  const seen: Seen[] = [];
  informer.on({
    add: (cm) => seen.push({ event: 'add', name: cm.metadata?.name ?? '', data: cm.data?.['v'] }),
    update: (cm, old) =>
      seen.push({ event: 'update', name: cm.metadata?.name ?? '', data: cm.data?.['v'], old: old.data?.['v'] }),
    delete: (cm) => seen.push({ event: 'delete', name: cm.metadata?.name ?? '' }),
  });
  const restarts = async (): Promise<number> =>
    (await metrics.informerRestarts.get()).values.find((v) => v.labels.informer === 'configmaps')?.value ?? 0;
  return { informer, seen, restarts, lines };
}

async function createCm(cluster: TestCluster, ns: string, name: string, v: string): Promise<void> {
  await cluster.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name }, data: { v } } });
}

async function setCm(cluster: TestCluster, ns: string, name: string, v: string): Promise<void> {
  await cluster.core.replaceNamespacedConfigMap({ namespace: ns, name, body: { metadata: { name }, data: { v } } });
}

function userVisible(seen: readonly Seen[]): Seen[] {
  // kube-root-ca.crt is created in every namespace by the apiserver's controllers (if running); ignore it.
  return seen.filter((s) => s.name !== 'kube-root-ca.crt');
}

describe('SupervisedInformer against the real API server', () => {
  after(deleteTestNamespaces);

  it('sees add, update (with the old object) and delete, and serves get/list from its store', async () => {
    const cluster = await testCluster();
    const ns = await testNamespace(cluster, 'informer');
    await createCm(cluster, ns, 'before', '1');
    const { informer, seen } = configMapInformer(cluster.kc, ns);
    await informer.start();
    try {
      assert.equal(informer.hasSynced(), true);
      assert.deepEqual(userVisible(seen), [{ event: 'add', name: 'before', data: '1' }]);

      await createCm(cluster, ns, 'a', '1');
      await setCm(cluster, ns, 'a', '2');
      await cluster.core.deleteNamespacedConfigMap({ namespace: ns, name: 'before' });
      await eventually(() =>
        assert.deepEqual(userVisible(seen).slice(1), [
          { event: 'add', name: 'a', data: '1' },
          { event: 'update', name: 'a', data: '2', old: '1' },
          { event: 'delete', name: 'before' },
        ]),
      );
      assert.equal(informer.get('a', ns)?.data?.['v'], '2');
      assert.equal(informer.get('before', ns), undefined);
      assert.deepEqual(
        informer
          .list()
          .map((cm) => cm.metadata?.name)
          .filter((n) => n !== 'kube-root-ca.crt'),
        ['a'],
      );
    } finally {
      await informer.stop();
    }
  });

  it('restarts after the connection is cut and refused, then reports what changed meanwhile', async () => {
    const cluster = await testCluster();
    const ns = await testNamespace(cluster, 'informer-cut');
    const proxy = await startTcpProxy(apiServerAddress(cluster.kc));
    const { informer, seen, restarts } = configMapInformer(kubeConfigVia(cluster.kc, proxy), ns);
    try {
      await createCm(cluster, ns, 'gone', '1');
      await createCm(cluster, ns, 'changed', '1');
      await createCm(cluster, ns, 'same', '1');
      await informer.start();
      await eventually(() => assert.ok(proxy.connections() > 0, 'the watch is open through the proxy'));

      // The network fails: the open watch dies and reconnects are refused. client-node's own
      // ListWatch would stop here for good.
      proxy.setMode('refuse');
      proxy.cut();
      await eventually(() => assert.equal(informer.hasSynced(), false));
      await cluster.core.deleteNamespacedConfigMap({ namespace: ns, name: 'gone' });
      await setCm(cluster, ns, 'changed', '2');
      await createCm(cluster, ns, 'new', '1');
      await eventually(async () => assert.ok((await restarts()) >= 2, 'keeps retrying while refused'));
      const before = seen.length;

      proxy.setMode('pass');
      await eventually(() => assert.equal(informer.hasSynced(), true), { message: 'informer recovered' });
      const meanwhile = userVisible(seen.slice(before)).sort((x, y) => x.name.localeCompare(y.name));
      assert.deepEqual(meanwhile, [
        { event: 'update', name: 'changed', data: '2', old: '1' },
        { event: 'delete', name: 'gone' },
        { event: 'add', name: 'new', data: '1' },
      ]);

      // And it watches again after recovering.
      await setCm(cluster, ns, 'same', '2');
      await eventually(() => assert.ok(seen.some((s) => s.name === 'same' && s.event === 'update')));
    } finally {
      await informer.stop();
      await proxy.stop();
    }
  });

  it('restarts a run that went silent (a list that never answers) once staleAfterMs passes', async () => {
    const cluster = await testCluster();
    const ns = await testNamespace(cluster, 'informer-stale');
    const proxy = await startTcpProxy(apiServerAddress(cluster.kc));
    const { informer, seen, restarts, lines } = configMapInformer(kubeConfigVia(cluster.kc, proxy), ns, {
      staleAfterMs: 1000,
    });
    try {
      await informer.start();
      // Connections are accepted and then never answered: no error ever reaches the client.
      proxy.setMode('blackhole');
      proxy.cut();
      // Whether the cut watch reconnects (and hangs on connect) or relists (and hangs on the list),
      // nothing reaches the client any more; only the staleness guard notices.
      await eventually(
        async () => {
          const stale = lines.filter((l) => (l['err'] as { type?: string } | undefined)?.type === 'StaleInformerError');
          assert.ok(stale.length >= 2, `silent runs detected: ${stale.length}`);
          assert.ok((await restarts()) >= 2);
        },
        { message: 'the silent runs were detected and restarted' },
      );
      assert.equal(informer.hasSynced(), false, 'not synced while it cannot list');
      await createCm(cluster, ns, 'while-silent', '1');

      proxy.setMode('pass');
      await eventually(() => assert.equal(informer.hasSynced(), true));
      await eventually(() => assert.ok(seen.some((s) => s.name === 'while-silent' && s.event === 'add')));
    } finally {
      await informer.stop();
      await proxy.stop();
    }
  });

  it('stop() ends the watch: no more events, no restarts', async () => {
    const cluster = await testCluster();
    const ns = await testNamespace(cluster, 'informer-stop');
    const { informer, seen, restarts } = configMapInformer(cluster.kc, ns);
    const witness = configMapInformer(cluster.kc, ns);
    await informer.start();
    await witness.informer.start();
    try {
      await informer.stop();
      const count = seen.length;
      await createCm(cluster, ns, 'after-stop', '1');
      // An informer still running has been told of the new object: the stopped one would have been too.
      await eventually(() => assert.ok(witness.seen.some((s) => s.name === 'after-stop' && s.event === 'add')));
      assert.equal(seen.length, count);
    } finally {
      await witness.informer.stop();
    }
    assert.equal(await restarts(), 0, 'stopping is not a failure');
    assert.equal(informer.hasSynced(), false);
  });
});
