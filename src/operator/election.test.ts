import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { Outcome } from '../controller/reconcile.ts';
import type { LeaderCallbacks } from '../kube/leader.ts';
import { createMetrics } from '../kube/metrics.ts';
import { WorkQueue } from '../kube/workqueue.ts';
import { silentLogger } from '../log.ts';
import { campaignUntilStopped, type Campaigner } from './election.ts';
import { runWorker } from './worker.ts';

/** Wins every campaign at once and leads until the test calls loseLease(). */
class FakeElector implements Campaigner {
  readonly #events: string[];
  #campaigns = 0;
  #lose: (() => void) | undefined;

  constructor(events: string[]) {
    this.#events = events;
  }

  async run(callbacks: LeaderCallbacks): Promise<void> {
    this.#campaigns += 1;
    this.#events.push(`campaign ${this.#campaigns}`);
    const lost = new Promise<void>((resolve) => (this.#lose = resolve));
    const leadership = new AbortController();
    // Like LeaderElector: onStartedLeading is started, not awaited.
    void Promise.resolve().then(() => callbacks.onStartedLeading(leadership.signal));
    await lost;
    leadership.abort();
    callbacks.onStoppedLeading();
  }

  loseLease(): void {
    this.#lose?.();
  }
}

describe('campaignUntilStopped', () => {
  it('campaigns again only after the old term has drained its in-flight reconcile', async () => {
    const events: string[] = [];
    const elector = new FakeElector(events);
    const metrics = createMetrics(new Registry());
    const firstReconcileStarted = Promise.withResolvers<void>();
    const reconcilesMayFinish = Promise.withResolvers<Outcome>();
    const secondTermStarted = Promise.withResolvers<void>();
    let stopping = false;
    let terms = 0;
    let current: { readonly n: number; readonly queue: WorkQueue; readonly worker: Promise<void> } | undefined;

    const startTerm = (): Promise<void> => {
      const n = (terms += 1);
      events.push(`term ${n} started`);
      const queue = new WorkQueue();
      const worker = runWorker({
        queue,
        reconcile: async (key) => {
          events.push(`term ${n} reconciling ${key}`);
          firstReconcileStarted.resolve();
          return await reconcilesMayFinish.promise;
        },
        signal: new AbortController().signal,
        providerOf: () => '',
        metrics,
        onReconciled: () => events.push(`term ${n} reconciled`),
        log: silentLogger(),
      });
      queue.add('ns/a');
      current = { n, queue, worker };
      if (n === 2) secondTermStarted.resolve();
      return Promise.resolve();
    };
    const endTerm = async (): Promise<void> => {
      const ending = current;
      if (ending === undefined) return;
      current = undefined;
      ending.queue.shutDown();
      await ending.worker;
      events.push(`term ${ending.n} drained`);
    };

    const electing = campaignUntilStopped({
      elector,
      startTerm,
      endTerm,
      stopping: () => stopping,
      onLost: () => events.push('lease lost'),
    });
    await firstReconcileStarted.promise;
    elector.loseLease();
    // Every pending callback runs before setImmediate's: a loop that campaigned without waiting
    // for the drain would have started term 2 by now, while term 1's reconcile is in flight.
    await new Promise((resolve) => setImmediate(resolve));
    reconcilesMayFinish.resolve({ kind: 'done' });
    await secondTermStarted.promise;

    assert.deepEqual(events.slice(0, events.indexOf('term 2 started') + 1), [
      'campaign 1',
      'term 1 started',
      'term 1 reconciling ns/a',
      'lease lost',
      'term 1 reconciled',
      'term 1 drained',
      'campaign 2',
      'term 2 started',
    ]);

    stopping = true;
    elector.loseLease();
    await electing;
    assert.equal(events.at(-1), 'term 2 drained');
    assert.equal(events.filter((e) => e.startsWith('campaign')).length, 2);
  });
});
