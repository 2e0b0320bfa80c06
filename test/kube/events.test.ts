import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { deleteTestNamespaces, testCluster, testNamespace, type TestCluster } from '../harness/cluster.ts';
import { EventRecorder } from '../../src/kube/events.ts';
import type { ObjectRef } from '../../src/kube/events.ts';
import { captureLog } from './log.ts';

interface EventJson {
  metadata: { name: string };
  type: string;
  reason: string;
  message: string;
  count: number;
  involvedObject: { kind: string; name: string; uid?: string };
  source: { component: string };
  firstTimestamp: string;
  lastTimestamp: string;
}

async function eventsOf(cluster: TestCluster, ns: string, name: string): Promise<EventJson[]> {
  const result = await cluster.kubectl([
    'get',
    'events',
    '-n',
    ns,
    '--field-selector',
    `involvedObject.name=${name}`,
    '-o',
    'json',
  ]);
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout) as { items: EventJson[] }).items;
}

async function service(cluster: TestCluster, ns: string, name: string): Promise<ObjectRef> {
  const created = await cluster.core.createNamespacedService({
    namespace: ns,
    body: { metadata: { name }, spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] } },
  });
  return { kind: 'Service', apiVersion: 'v1', namespace: ns, name, uid: created.metadata?.uid ?? '' };
}

describe('EventRecorder against the real API server', () => {
  after(deleteTestNamespaces);

  it('records the same event 3 times as one Event with count 3, shown by kubectl describe', async () => {
    const cluster = await testCluster();
    const ns = await testNamespace(cluster, 'events');
    const ref = await service(cluster, ns, 'web');
    const recorder = new EventRecorder({ kc: cluster.kc, component: 'cloud-lb-operator', log: captureLog().log });
    const message = 'Port 9999/SCTP was refused: the provider cannot carry SCTP on an External load balancer';
    for (let i = 0; i < 3; i += 1) {
      recorder.record(ref, 'Warning', 'SyncLoadBalancerFailed', message);
      await recorder.flush(); // separate writes, as repeated reconciles would make
    }
    recorder.record(ref, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer with listeners 80/TCP');
    await recorder.flush();

    const events = await eventsOf(cluster, ns, 'web');
    const warnings = events.filter((e) => e.reason === 'SyncLoadBalancerFailed');
    assert.equal(warnings.length, 1, 'aggregated into one Event');
    const [warning] = warnings;
    assert.equal(warning?.count, 3);
    assert.equal(warning?.type, 'Warning');
    assert.equal(warning?.message, message);
    assert.equal(warning?.involvedObject.uid, ref.uid);
    assert.equal(warning?.source.component, 'cloud-lb-operator');
    assert.ok(Date.parse(warning?.lastTimestamp ?? '') >= Date.parse(warning?.firstTimestamp ?? ''));
    assert.equal(events.filter((e) => e.reason === 'EnsuredLoadBalancer').length, 1, 'another reason is another Event');

    const describe = await cluster.kubectl(['describe', 'service', '-n', ns, 'web']);
    assert.equal(describe.code, 0, describe.stderr);
    assert.match(
      describe.stdout,
      /Warning\s+SyncLoadBalancerFailed\s+.*\(x3 over .*\)\s+cloud-lb-operator\s+Port 9999\/SCTP/,
    );
    assert.match(describe.stdout, /Normal\s+EnsuredLoadBalancer\s+.*cloud-lb-operator\s+Ensured load balancer/);
  });

  it('aggregates repeats recorded back to back (no flush between them)', async () => {
    const cluster = await testCluster();
    const ns = await testNamespace(cluster, 'events-burst');
    const ref = await service(cluster, ns, 'burst');
    const recorder = new EventRecorder({ kc: cluster.kc, component: 'cloud-lb-operator', log: captureLog().log });
    for (let i = 0; i < 5; i += 1) recorder.record(ref, 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer');
    await recorder.flush();
    const events = await eventsOf(cluster, ns, 'burst');
    assert.deepEqual(
      events.map((e) => [e.reason, e.count]),
      [['EnsuringLoadBalancer', 5]],
    );
  });

  it('truncates long messages and puts events of cluster-scoped objects in default', async () => {
    const cluster = await testCluster();
    const name = `kube-events-${randomBytes(3).toString('hex')}`;
    const ref: ObjectRef = { kind: 'LoadBalancerProvider', apiVersion: 'cloudlb.dev/v1alpha1', name };
    const recorder = new EventRecorder({ kc: cluster.kc, component: 'cloud-lb-operator', log: captureLog().log });
    recorder.record(ref, 'Warning', 'CredentialsInvalid', 'x'.repeat(5000));
    await recorder.flush();
    const [event] = await eventsOf(cluster, 'default', name);
    assert.equal(event?.message.length, 1024);
    assert.equal(event?.involvedObject.kind, 'LoadBalancerProvider');
    await cluster.kubectl(['delete', 'events', '-n', 'default', event?.metadata.name ?? '']);
  });

  it('never throws and logs when the API server rejects the Event', async () => {
    const cluster = await testCluster();
    const { log, lines } = captureLog();
    const recorder = new EventRecorder({ kc: cluster.kc, component: 'cloud-lb-operator', log });
    // A namespace that does not exist: the API server answers 404 on create.
    const ref: ObjectRef = { kind: 'Service', apiVersion: 'v1', namespace: 'no-such-namespace-kube', name: 'x' };
    assert.doesNotThrow(() => recorder.record(ref, 'Normal', 'EnsuredLoadBalancer', 'ok'));
    await recorder.flush();
    assert.ok(lines.some((l) => l['msg'] === 'event not written' && l['status'] === 404));
  });
});
