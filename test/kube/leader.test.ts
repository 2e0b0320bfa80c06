import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CoordinationV1Api, V1MicroTime } from '@kubernetes/client-node';
import { deleteTestNamespaces, testCluster, testNamespace, type TestCluster } from '../harness/cluster.ts';
import { eventually } from '../harness/wait.ts';
import { LeaderElector } from '../../src/kube/leader.ts';
import { captureLog } from './log.ts';

interface LeaseJson {
  spec: { holderIdentity?: string; leaseTransitions?: number; renewTime?: string; leaseDurationSeconds?: number };
}

async function lease(cluster: TestCluster, ns: string, name: string): Promise<LeaseJson> {
  const result = await cluster.kubectl(['get', 'lease', '-n', ns, name, '-o', 'json']);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as LeaseJson;
}

function candidate(
  cluster: TestCluster,
  ns: string,
  identity: string,
  timing: { leaseDurationMs: number; renewDeadlineMs: number },
) {
  const elector = new LeaderElector({
    kc: cluster.kc,
    namespace: ns,
    name: 'cloud-lb-operator',
    identity,
    retryPeriodMs: 200,
    ...timing,
    log: captureLog().log,
  });
  const state = { started: 0, stopped: 0, signal: undefined as AbortSignal | undefined };
  const done = elector.run({
    onStartedLeading(signal) {
      state.started += 1;
      state.signal = signal;
    },
    onStoppedLeading() {
      state.stopped += 1;
    },
  });
  return { elector, state, done };
}

describe('LeaderElector against the real API server', () => {
  after(deleteTestNamespaces);

  it('elects exactly one of two candidates; release() hands over well before the lease expires', async () => {
    const cluster = await testCluster();
    const ns = await testNamespace(cluster, 'lease');
    // A long lease: without release() the other candidate would wait a full minute.
    const timing = { leaseDurationMs: 60_000, renewDeadlineMs: 10_000 };
    const a = candidate(cluster, ns, 'replica-a', timing);
    const b = candidate(cluster, ns, 'replica-b', timing);
    let bothLed = false;
    const watchdog = setInterval(() => {
      if (a.elector.isLeader() && b.elector.isLeader()) bothLed = true;
    }, 10);
    try {
      const first = await eventually(() => {
        const leaders = [a, b].filter((c) => c.elector.isLeader());
        assert.equal(leaders.length, 1);
        return leaders[0] as typeof a;
      });
      const second = first === a ? b : a;
      const firstId = first === a ? 'replica-a' : 'replica-b';
      const secondId = first === a ? 'replica-b' : 'replica-a';
      assert.equal((await lease(cluster, ns, 'cloud-lb-operator')).spec.holderIdentity, firstId);
      assert.equal(first.state.started, 1);
      assert.equal(second.state.started, 0);

      const releasedAt = performance.now();
      await first.elector.release();
      await first.done;
      assert.equal(first.elector.isLeader(), false);
      assert.equal(first.state.signal?.aborted, true, 'work is told to stop');
      assert.equal(first.state.stopped, 1);

      await eventually(() => assert.equal(second.elector.isLeader(), true), { timeoutMs: 20_000 });
      const handoverMs = Math.round(performance.now() - releasedAt);
      process.stderr.write(`[kube] lease handover after release(): ${handoverMs} ms\n`);
      const record = await lease(cluster, ns, 'cloud-lb-operator');
      assert.equal(record.spec.holderIdentity, secondId);
      assert.equal(record.spec.leaseTransitions, 1);
      assert.match(record.spec.renewTime ?? '', /\.\d{6}Z$/, 'renewTime is a MicroTime');
      assert.equal(bothLed, false, 'never two leaders at once');
    } finally {
      clearInterval(watchdog);
      await Promise.all([a.elector.release(), b.elector.release()]);
    }
  });

  it('steps down when it cannot renew within renewDeadline (another holder took the lease)', async () => {
    const cluster = await testCluster();
    const ns = await testNamespace(cluster, 'lease-lost');
    const c = candidate(cluster, ns, 'replica-c', { leaseDurationMs: 3000, renewDeadlineMs: 1000 });
    try {
      await eventually(() => assert.equal(c.elector.isLeader(), true));
      // An intruder overwrites the lease as if it had won: our renewals now see a valid foreign lease.
      const api = cluster.kc.makeApiClient(CoordinationV1Api);
      const current = await api.readNamespacedLease({ namespace: ns, name: 'cloud-lb-operator' });
      await api.replaceNamespacedLease({
        namespace: ns,
        name: 'cloud-lb-operator',
        body: {
          metadata: current.metadata ?? {},
          spec: {
            ...current.spec,
            holderIdentity: 'intruder',
            renewTime: new V1MicroTime(),
            leaseDurationSeconds: 3600,
          },
        },
      });
      await c.done; // run() resolves once leadership is lost
      assert.equal(c.elector.isLeader(), false);
      assert.equal(c.state.signal?.aborted, true);
      assert.equal(c.state.stopped, 1);
      assert.equal((await lease(cluster, ns, 'cloud-lb-operator')).spec.holderIdentity, 'intruder', 'not clobbered');
    } finally {
      await c.elector.release();
    }
  });

  it('a candidate that never led is not told it stopped leading', async () => {
    const cluster = await testCluster();
    const ns = await testNamespace(cluster, 'lease-idle');
    const timing = { leaseDurationMs: 60_000, renewDeadlineMs: 10_000 };
    const a = candidate(cluster, ns, 'replica-a', timing);
    await eventually(() => assert.equal(a.elector.isLeader(), true));
    const b = candidate(cluster, ns, 'replica-b', timing);
    await b.elector.release();
    await b.done;
    assert.deepEqual([b.state.started, b.state.stopped], [0, 0]);
    assert.equal(a.elector.isLeader(), true);
    await a.elector.release();
    assert.equal((await lease(cluster, ns, 'cloud-lb-operator')).spec.holderIdentity, '');
  });
});
