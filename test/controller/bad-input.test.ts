// Bad input: each gets a Warning event and a status/condition naming the field; nothing crashes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestCluster } from '../harness/cluster.ts';
import { eventually } from '../harness/wait.ts';
import { FULL_CAPABILITIES, TestCloud } from '../support/test-provider.ts';
import {
  createProvider,
  createService,
  deleteProvider,
  eventLine,
  getProvider,
  getService,
  providerEvents,
  runOperator,
  serviceEvents,
  setNodeLabel,
  setUpTestFile,
  suffix,
  waitForIngress,
  type TestFile,
} from '../support/fixture.ts';
import type { RunningOperator } from '../../src/operator/index.ts';

const EXCLUDE = 'node.kubernetes.io/exclude-from-external-load-balancers';
const id = suffix();
const name = (s: string) => `ctl-bad-${id}-${s}`;
const cloud = new TestCloud({
  capabilities: {
    ...FULL_CAPABILITIES,
    schemes: { External: { protocols: ['TCP', 'UDP'] }, Internal: { protocols: ['TCP', 'UDP', 'SCTP'] } },
  },
});
/** Made by the defaults test; setUpTestFile deletes the others. */
const defaults = [name('def1'), name('def2')];
const nodeName = name('node');

let file: TestFile;
let cluster: TestCluster;
let ns: string;
let operator: RunningOperator;

function condition(svc: Awaited<ReturnType<typeof getService>>) {
  return svc.status?.conditions?.find((c) => c.type === 'LoadBalancerReady');
}

before(async () => {
  file = await setUpTestFile('ctl-bad', {
    nodes: [nodeName],
    providers: {
      [name('main')]: {},
      // Credentials live in the test namespace, which plays the operator's --namespace here.
      [name('creds')]: { credentialsSecretRef: { name: 'test-creds' } },
    },
  });
  ({ cluster, ns } = file);
  operator = await runOperator(cluster, cloud, {
    clusterName: `bad-${id}`,
    namespace: ns,
    requiredSecretKeys: ['token'],
  });
});

after(async () => {
  await operator.stop();
  for (const p of defaults) await deleteProvider(cluster, p);
  await file.cleanUp();
});

test('provider status: type, class, capabilities, SCTP schemes, conditions, observedGeneration', async () => {
  await eventually(async () => {
    const p = await getProvider(cluster, name('main'));
    assert.equal(p.status?.type, 'memory');
    assert.equal(p.status?.loadBalancerClass, `cloudlb.dev/${name('main')}`);
    assert.equal(p.status?.sctpSchemes, 'Internal');
    assert.deepEqual(p.status?.capabilities?.schemes.External?.protocols, ['TCP', 'UDP']);
    assert.equal(p.status?.observedGeneration, p.metadata.generation);
    assert.equal(p.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    assert.equal(p.status?.conditions?.find((c) => c.type === 'CredentialsValid')?.status, 'True');
  });
  const out = await cluster.kubectl(['get', 'lbp', name('main')]);
  assert.match(out.stdout, /memory\s+cloudlb\.dev\/ctl-bad-\w+-main\s+false\s+Internal\s+True/);
});

test('a Service whose class names no provider is ignored silently', async () => {
  await createService(cluster, ns, 'foreign', 'example.com/someone-else');
  // A Service of ours created after it is served: the operator has seen the foreign one by then.
  await createService(cluster, ns, 'after-foreign', `cloudlb.dev/${name('main')}`);
  await waitForIngress(cluster, ns, 'after-foreign');
  const svc = await getService(cluster, ns, 'foreign');
  assert.equal(svc.metadata?.finalizers, undefined);
  assert.equal(svc.status?.conditions, undefined);
  assert.deepEqual(await serviceEvents(cluster, ns, 'foreign'), []);
});

test('malformed annotation → Warning naming it, condition InvalidSpec, no cloud call', async () => {
  const calls = cloud.totalCalls();
  await createService(cluster, ns, 'badann', `cloudlb.dev/${name('main')}`, undefined, {
    annotations: { 'test.cloudlb.dev/scheme': 'Sideways' },
  });
  await eventually(async () => {
    const svc = await getService(cluster, ns, 'badann');
    assert.equal(condition(svc)?.reason, 'InvalidSpec');
    assert.match(condition(svc)?.message ?? '', /metadata\.annotations\[test\.cloudlb\.dev\/scheme\]/);
    const lines = (await serviceEvents(cluster, ns, 'badann')).map(eventLine);
    assert.ok(
      lines.some((l) =>
        l.startsWith(
          'Warning SyncLoadBalancerFailed: Cannot ensure load balancer: metadata.annotations[test.cloudlb.dev/scheme]',
        ),
      ),
      lines.join('\n'),
    );
  });
  assert.equal(cloud.totalCalls(), calls);
  // Fixing it serves the Service.
  await cluster.core.patchNamespacedService({
    namespace: ns,
    name: 'badann',
    body: [{ op: 'replace', path: '/metadata/annotations/test.cloudlb.dev~1scheme', value: 'External' }],
  });
  await eventually(async () => assert.equal(condition(await getService(cluster, ns, 'badann'))?.status, 'True'));
});

test('allocateLoadBalancerNodePorts: false with a provider that needs node ports → the field is named', async () => {
  await createService(cluster, ns, 'nonp', `cloudlb.dev/${name('main')}`, undefined, {
    spec: { allocateLoadBalancerNodePorts: false },
  });
  await eventually(async () => {
    const svc = await getService(cluster, ns, 'nonp');
    assert.equal(condition(svc)?.reason, 'InvalidSpec');
    assert.match(condition(svc)?.message ?? '', /spec\.allocateLoadBalancerNodePorts is false/);
    const lines = (await serviceEvents(cluster, ns, 'nonp')).map(eventLine);
    assert.ok(
      lines.some(
        (l) => l.startsWith('Warning SyncLoadBalancerFailed') && l.includes('spec.allocateLoadBalancerNodePorts'),
      ),
      lines.join('\n'),
    );
  });
});

test('missing Secret → CredentialsValid=False naming it, Services wait with no cloud calls; the Secret appears → served without restart', async () => {
  const instances = cloud.instances;
  const calls = cloud.totalCalls();
  await createService(cluster, ns, 'waiting', `cloudlb.dev/${name('creds')}`);
  await eventually(async () => {
    const p = await getProvider(cluster, name('creds'));
    const creds = p.status?.conditions?.find((c) => c.type === 'CredentialsValid');
    assert.equal(creds?.status, 'False');
    assert.equal(creds?.reason, 'SecretNotFound');
    assert.match(creds?.message ?? '', new RegExp(`Secret ${ns}/test-creds not found`));
    assert.equal(p.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    const svc = await getService(cluster, ns, 'waiting');
    assert.equal(condition(svc)?.reason, 'ProviderNotReady');
    const lines = (await providerEvents(cluster, name('creds'))).map(eventLine);
    assert.ok(
      lines.some((l) => l.startsWith('Warning SecretNotFound')),
      lines.join('\n'),
    );
  });
  assert.equal(cloud.totalCalls(), calls, 'no cloud call while credentials are missing');
  assert.equal(cloud.instances, instances);

  await cluster.core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'test-creds' }, stringData: { other: 'x' } },
  });
  await eventually(async () => {
    const creds = (await getProvider(cluster, name('creds'))).status?.conditions?.find(
      (c) => c.type === 'CredentialsValid',
    );
    assert.equal(creds?.reason, 'MissingKey');
    assert.match(creds?.message ?? '', /lacks key token/);
    // The Service was reconciled against the provider in this state.
    assert.match(condition(await getService(cluster, ns, 'waiting'))?.message ?? '', /lacks key token/);
  });
  assert.equal(cloud.totalCalls(), calls);

  await cluster.core.replaceNamespacedSecret({
    namespace: ns,
    name: 'test-creds',
    body: { metadata: { name: 'test-creds' }, stringData: { token: 'v1' } },
  });
  await eventually(async () => assert.equal(condition(await getService(cluster, ns, 'waiting'))?.status, 'True'));
  assert.equal(cloud.lastCredentials?.['token'], 'v1');

  // Rotation: a new Secret value rebuilds the provider (the old one is closed), no restart.
  const closed = cloud.closed;
  await cluster.core.replaceNamespacedSecret({
    namespace: ns,
    name: 'test-creds',
    body: { metadata: { name: 'test-creds' }, stringData: { token: 'v2' } },
  });
  await eventually(() => assert.equal(cloud.lastCredentials?.['token'], 'v2'));
  await eventually(() => assert.ok(cloud.closed > closed));
  await eventually(async () => assert.equal((await getProvider(cluster, name('creds'))).status?.services, 1), {
    timeoutMs: 20_000,
  });
});

test('two providers marked default → Warning on each, classless Services served by none', async () => {
  await createProvider(cluster, name('def1'), { default: true });
  await createProvider(cluster, name('def2'), { default: true });
  await createService(cluster, ns, 'classless', undefined);
  await eventually(async () => {
    for (const p of [name('def1'), name('def2')]) {
      const lines = (await providerEvents(cluster, p)).map(eventLine);
      assert.ok(
        lines.some((l) => l.startsWith('Warning MultipleDefaults') && l.includes('spec.default')),
        `${p}: ${lines.join('\n')}`,
      );
    }
    const svc = await getService(cluster, ns, 'classless');
    assert.equal(svc.metadata?.finalizers, undefined);
    assert.equal(condition(svc)?.reason, 'InvalidSpec');
    const lines = (await serviceEvents(cluster, ns, 'classless')).map(eventLine);
    assert.ok(
      lines.some((l) => l.startsWith('Warning SyncLoadBalancerFailed') && l.includes('spec.loadBalancerClass')),
      lines.join('\n'),
    );
  });
  // Deleted right away: a classless LoadBalancer Service left behind would be claimed by any
  // default provider a later test file creates.
  await cluster.core.deleteNamespacedService({ namespace: ns, name: 'classless' });
});

test('no eligible nodes → UnAvailableLoadBalancer Warning and condition', async () => {
  // Exclude every node in the cluster for this test only.
  const nodes = (await cluster.core.listNode()).items.map((n) => n.metadata?.name ?? '');
  const labelled: string[] = [];
  try {
    for (const n of nodes) {
      if ((await cluster.core.readNode({ name: n })).metadata?.labels?.[EXCLUDE] !== undefined) continue;
      await setNodeLabel(cluster, n, EXCLUDE, 'true');
      labelled.push(n);
    }
    await createService(cluster, ns, 'nonodes', `cloudlb.dev/${name('main')}`);
    await eventually(async () => {
      const svc = await getService(cluster, ns, 'nonodes');
      assert.equal(condition(svc)?.reason, 'NoEligibleNodes');
      const lines = (await serviceEvents(cluster, ns, 'nonodes')).map(eventLine);
      assert.ok(
        lines.some((l) =>
          l.startsWith('Warning UnAvailableLoadBalancer: There are no available nodes for LoadBalancer'),
        ),
        lines.join('\n'),
      );
    });
  } finally {
    for (const n of labelled) await setNodeLabel(cluster, n, EXCLUDE, undefined).catch(() => undefined);
  }
  await eventually(async () => assert.equal(condition(await getService(cluster, ns, 'nonodes'))?.status, 'True'));
});
