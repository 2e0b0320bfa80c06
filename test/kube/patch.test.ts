import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { deleteTestNamespaces, testCluster, testNamespace, type TestCluster } from '../harness/cluster.ts';
import { eventually } from '../harness/wait.ts';
import {
  addFinalizer,
  isConflict,
  isNotFound,
  patchCustomStatus,
  patchServiceStatus,
  removeFinalizer,
} from '../../src/kube/patch.ts';

const ours = 'service.kubernetes.io/load-balancer-cleanup';
const foreign = 'example.com/keep-me';

async function createService(cluster: TestCluster, ns: string, name: string, finalizers: string[] = []) {
  return await cluster.core.createNamespacedService({
    namespace: ns,
    body: {
      metadata: { name, finalizers },
      spec: { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    },
  });
}

describe('patch helpers against the real API server', () => {
  after(deleteTestNamespaces);

  it('adds and removes our finalizer without touching a foreign one', async () => {
    const cluster = await testCluster();
    const ns = await testNamespace(cluster, 'finalizers');
    await createService(cluster, ns, 'web', [foreign]);

    const added = await addFinalizer(cluster.core, ns, 'web', ours);
    assert.deepEqual(added.metadata?.finalizers?.toSorted(), [foreign, ours].toSorted());
    const again = await addFinalizer(cluster.core, ns, 'web', ours);
    assert.deepEqual(again.metadata?.finalizers?.toSorted(), [foreign, ours].toSorted(), 'adding twice is a no-op');

    // Deleting waits for both finalizers; removing ours keeps the object because of the foreign one.
    await cluster.core.deleteNamespacedService({ namespace: ns, name: 'web' });
    const removed = await removeFinalizer(cluster.core, ns, 'web', ours);
    assert.deepEqual(removed?.metadata?.finalizers, [foreign]);
    assert.ok(removed?.metadata?.deletionTimestamp, 'still terminating, held by the foreign finalizer');
    const kubectl = await cluster.kubectl(['get', 'service', '-n', ns, 'web', '-o', 'jsonpath={.metadata.finalizers}']);
    assert.equal(kubectl.stdout, JSON.stringify([foreign]));

    await cluster.kubectl([
      'patch',
      'service',
      '-n',
      ns,
      'web',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/metadata/finalizers"}]',
    ]);
    await eventually(async () => {
      const gone = await cluster.kubectl(['get', 'service', '-n', ns, 'web']);
      assert.notEqual(gone.code, 0);
    });
    assert.equal(await removeFinalizer(cluster.core, ns, 'web', ours), undefined, 'undefined once the Service is gone');
  });

  it('round-trips Service status: ingress with port errors, conditions merged by type, cleared by {}', async () => {
    const cluster = await testCluster();
    const ns = await testNamespace(cluster, 'status');
    await createService(cluster, ns, 'web');
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);

    const patched = await patchServiceStatus(cluster.core, ns, 'web', {
      loadBalancer: {
        ingress: [
          {
            ip: '203.0.113.10',
            ipMode: 'VIP',
            ports: [
              { port: 80, protocol: 'TCP' },
              { port: 9999, protocol: 'SCTP', error: 'cloudlb.dev/ProtocolNotSupported' },
            ],
          },
        ],
      },
      conditions: [
        {
          type: 'cloudlb.dev/LoadBalancerReady',
          status: 'True',
          reason: 'Ensured',
          message: 'ok',
          lastTransitionTime: now,
        },
      ],
    });
    assert.equal(patched.status?.loadBalancer?.ingress?.[0]?.ip, '203.0.113.10');
    assert.equal(patched.status?.loadBalancer?.ingress?.[0]?.ports?.[1]?.error, 'cloudlb.dev/ProtocolNotSupported');

    // Someone else's condition, then ours changes: both stay.
    const other = await cluster.kubectl([
      'patch',
      'service',
      '-n',
      ns,
      'web',
      '--subresource=status',
      '--type=strategic',
      '-p',
      JSON.stringify({
        status: {
          conditions: [
            {
              type: 'example.com/Other',
              status: 'True',
              reason: 'Mine',
              message: 'x',
              lastTransitionTime: now.toISOString(),
            },
          ],
        },
      }),
    ]);
    assert.equal(other.code, 0, other.stderr);
    const updated = await patchServiceStatus(cluster.core, ns, 'web', {
      conditions: [
        {
          type: 'cloudlb.dev/LoadBalancerReady',
          status: 'False',
          reason: 'SyncFailed',
          message: 'no',
          lastTransitionTime: now,
        },
      ],
    });
    const conditions = Object.fromEntries((updated.status?.conditions ?? []).map((c) => [c.type, c.status]));
    assert.deepEqual(conditions, { 'cloudlb.dev/LoadBalancerReady': 'False', 'example.com/Other': 'True' });
    assert.equal(updated.status?.loadBalancer?.ingress?.length, 1, 'ingress untouched by a conditions-only patch');

    // A different ingress replaces the old list (no merging of stale addresses).
    const moved = await patchServiceStatus(cluster.core, ns, 'web', {
      loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] },
    });
    assert.deepEqual(
      moved.status?.loadBalancer?.ingress?.map((i) => [i.ip, i.hostname]),
      [[undefined, 'lb.example.com']],
    );

    const cleared = await patchServiceStatus(cluster.core, ns, 'web', { loadBalancer: {} });
    assert.equal(cleared.status?.loadBalancer?.ingress, undefined);
    const shown = await cluster.kubectl(['get', 'service', '-n', ns, 'web', '-o', 'jsonpath={.status.loadBalancer}']);
    assert.equal(shown.stdout, '{}');
  });

  it('patches custom resource status through the status subresource', async () => {
    const cluster = await testCluster();
    const name = `kube-patch-${randomBytes(3).toString('hex')}`;
    const ref = { group: 'cloudlb.dev', version: 'v1alpha1', plural: 'loadbalancerproviders', name };
    await cluster.custom.createClusterCustomObject({
      ...ref,
      body: {
        apiVersion: 'cloudlb.dev/v1alpha1',
        kind: 'LoadBalancerProvider',
        metadata: { name },
        spec: { memory: {} },
      },
    });
    try {
      await patchCustomStatus(cluster.custom, ref, { type: 'memory', services: 3, observedGeneration: 1 });
      await patchCustomStatus(cluster.custom, ref, { services: 4 });
      const got = (await cluster.custom.getClusterCustomObject(ref)) as { status?: Record<string, unknown> };
      assert.deepEqual(got.status, { type: 'memory', services: 4, observedGeneration: 1 });
      await assert.rejects(
        patchCustomStatus(cluster.custom, { ...ref, name: `${name}-missing` }, { services: 1 }),
        (err) => isNotFound(err),
      );
    } finally {
      await cluster.custom.deleteClusterCustomObject(ref);
    }
  });

  it('classifies API errors by status code', async () => {
    const cluster = await testCluster();
    const ns = await testNamespace(cluster, 'errors');
    const created = await createService(cluster, ns, 'web');
    const notFound = await cluster.core.readNamespacedService({ namespace: ns, name: 'nope' }).catch((e: unknown) => e);
    assert.equal(isNotFound(notFound), true);
    assert.equal(isConflict(notFound), false);
    const stale = { ...created, metadata: { ...created.metadata, resourceVersion: '1' } };
    const conflict = await cluster.core
      .replaceNamespacedService({ namespace: ns, name: 'web', body: stale })
      .catch((e: unknown) => e);
    assert.equal(isConflict(conflict), true);
    assert.equal(isNotFound(new Error('404 not found')), false, 'never by message text');
  });
});
