import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { Outcome } from '../controller/reconcile.ts';
import { createMetrics, type Metrics } from '../kube/metrics.ts';
import { silentLogger } from '../log.ts';
import { applyOutcome, runWorker, type Settled, type WorkerDeps } from './worker.ts';

/** A queue that records every call as one string, and hands out `keys` in order. */
class RecordingQueue {
  readonly calls: string[] = [];
  readonly #keys: string[];
  #failures = 0;

  constructor(keys: readonly string[] = []) {
    this.#keys = [...keys];
  }

  get(): Promise<string | undefined> {
    this.calls.push('get');
    return Promise.resolve(this.#keys.shift());
  }
  forget(key: string): void {
    this.calls.push(`forget ${key}`);
  }
  addAfter(key: string, delayMs: number): void {
    this.calls.push(`addAfter ${key} ${delayMs}`);
  }
  addRateLimited(key: string): void {
    this.#failures += 1;
    this.calls.push(`addRateLimited ${key}`);
  }
  done(key: string): void {
    this.calls.push(`done ${key}`);
  }
  failures(): number {
    return this.#failures;
  }
}

const failure = new Error('cloud said no');

describe('applyOutcome', () => {
  const table: { outcome: Outcome; calls: string[]; settled: Settled }[] = [
    { outcome: { kind: 'done' }, calls: ['forget ns/a', 'done ns/a'], settled: { result: 'success' } },
    { outcome: { kind: 'permanent' }, calls: ['forget ns/a', 'done ns/a'], settled: { result: 'permanent' } },
    {
      outcome: { kind: 'requeueAfter', delayMs: 5000 },
      calls: ['forget ns/a', 'addAfter ns/a 5000', 'done ns/a'],
      settled: { result: 'requeue' },
    },
    {
      outcome: { kind: 'retry', error: failure },
      calls: ['addRateLimited ns/a', 'done ns/a'],
      settled: { result: 'error', error: failure },
    },
  ];
  for (const { outcome, calls, settled } of table) {
    it(`settles ${outcome.kind} as ${settled.result}`, () => {
      const queue = new RecordingQueue();
      assert.deepEqual(applyOutcome(queue, 'ns/a', outcome), settled);
      assert.deepEqual(queue.calls, calls);
    });
  }
});

describe('runWorker', () => {
  function deps(queue: RecordingQueue, reconcile: WorkerDeps['reconcile'], abort = new AbortController()) {
    const metrics: Metrics = createMetrics(new Registry());
    let reconciled = 0;
    const worker: WorkerDeps = {
      queue,
      reconcile,
      signal: abort.signal,
      providerOf: () => 'p1',
      metrics,
      onReconciled: () => (reconciled += 1),
      log: silentLogger(),
    };
    return { worker, metrics, reconciled: () => reconciled };
  }
  const counted = async (metrics: Metrics): Promise<Record<string, number>> =>
    Object.fromEntries((await metrics.reconciles.get()).values.map((v) => [String(v.labels.result), v.value]));

  it('settles each key, records its result, and returns once the queue shuts down', async () => {
    const queue = new RecordingQueue(['ns/a', 'ns/b']);
    const outcomes: Record<string, Outcome> = { 'ns/a': { kind: 'done' }, 'ns/b': { kind: 'retry', error: failure } };
    const { worker, metrics, reconciled } = deps(queue, (key) => Promise.resolve(outcomes[key] ?? { kind: 'done' }));
    await runWorker(worker);
    assert.deepEqual(queue.calls, [
      'get',
      'forget ns/a',
      'done ns/a',
      'get',
      'addRateLimited ns/b',
      'done ns/b',
      'get',
    ]);
    assert.equal(reconciled(), 2);
    assert.deepEqual(await counted(metrics), { success: 1, error: 1 });
    assert.equal((await metrics.reconcileErrors.get()).values[0]?.value, 1);
  });

  it('treats a reconcile that throws as a retry', async () => {
    const queue = new RecordingQueue(['ns/a']);
    const { worker } = deps(queue, () => Promise.reject(failure));
    await runWorker(worker);
    assert.deepEqual(queue.calls, ['get', 'addRateLimited ns/a', 'done ns/a', 'get']);
  });

  it('marks an abandoned reconcile done without requeueing it or recording a result', async () => {
    const queue = new RecordingQueue(['ns/a']);
    const abort = new AbortController();
    const { worker, metrics, reconciled } = deps(
      queue,
      () => {
        abort.abort(new Error('term ended'));
        return Promise.resolve({ kind: 'retry', error: failure });
      },
      abort,
    );
    await runWorker(worker);
    assert.deepEqual(queue.calls, ['get', 'done ns/a', 'get']);
    assert.equal(reconciled(), 1);
    assert.deepEqual(await counted(metrics), {});
  });
});
