import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import fc from 'fast-check';
import { backoffDelay, resolveBackoff } from './backoff.ts';
import { WorkQueue } from './workqueue.ts';

const noJitter = { baseMs: 1000, maxMs: 300_000, jitter: 0 };

const pending = Symbol('pending');

/** Resolves to the next key, or `pending` when get() does not resolve within a macrotask turn. */
async function peek(queue: WorkQueue): Promise<string | undefined | typeof pending> {
  const controller = new AbortController();
  const result = queue.get(controller.signal);
  const winner = await Promise.race([result, new Promise<typeof pending>((r) => setImmediate(() => r(pending)))]);
  if (winner === pending) controller.abort();
  return winner;
}

describe('WorkQueue', () => {
  it('hands out a key added twice only once', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    queue.add('ns/a');
    queue.add('ns/b');
    assert.equal(queue.len(), 2);
    assert.equal(await queue.get(), 'ns/a');
    assert.equal(await queue.get(), 'ns/b');
    assert.equal(await peek(queue), pending);
  });

  it('re-queues a key added while it is processed, but only after done()', async () => {
    const queue = new WorkQueue();
    queue.add('k');
    const key = await queue.get();
    assert.equal(key, 'k');
    queue.add('k');
    queue.add('k');
    assert.equal(queue.len(), 0, 'not handed to a second worker while processing');
    assert.equal(await peek(queue), pending);
    queue.done('k');
    assert.equal(queue.len(), 1);
    assert.equal(await queue.get(), 'k');
    queue.done('k');
    assert.equal(await peek(queue), pending, 'processed once more, not twice more');
  });

  it('does not re-queue a key that was not added again while processing', async () => {
    const queue = new WorkQueue();
    queue.add('k');
    await queue.get();
    queue.done('k');
    assert.equal(queue.len(), 0);
  });

  it('wakes a waiting get() when a key arrives', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.add('late');
    assert.equal(await waiting, 'late');
    assert.equal(queue.processing(), 1);
  });

  it('serves several waiting workers in order, one key each', async () => {
    const queue = new WorkQueue();
    const first = queue.get();
    const second = queue.get();
    queue.add('a');
    queue.add('b');
    assert.deepEqual(await Promise.all([first, second]), ['a', 'b']);
  });

  it('reports depth changes', async () => {
    const depths: number[] = [];
    const queue = new WorkQueue({ onDepthChange: (d) => depths.push(d) });
    queue.add('a');
    queue.add('b');
    await queue.get();
    assert.deepEqual(depths, [1, 2, 1]);
  });

  it('addAfter delays a key and keeps the earliest time', () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    try {
      const queue = new WorkQueue();
      queue.addAfter('k', 5000);
      queue.addAfter('k', 1000);
      queue.addAfter('k', 9000);
      mock.timers.tick(999);
      assert.equal(queue.len(), 0);
      mock.timers.tick(1);
      assert.equal(queue.len(), 1);
      mock.timers.tick(10_000);
      assert.equal(queue.len(), 1, 'the later schedules were folded into the earliest');
      queue.addAfter('now', 0);
      assert.equal(queue.len(), 2);
    } finally {
      mock.timers.reset();
    }
  });

  it('addRateLimited doubles the delay per failure and forget() resets it', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    try {
      const queue = new WorkQueue({ backoff: { baseMs: 100, maxMs: 1000, jitter: 0 } });
      const delays: number[] = [];
      for (let i = 0; i < 6; i += 1) {
        queue.addRateLimited('k');
        let waited = 0;
        while (queue.len() === 0 && waited < 10_000) {
          mock.timers.tick(1);
          waited += 1;
        }
        delays.push(waited);
        queue.done((await queue.get()) as string);
        assert.equal(queue.len(), 0);
      }
      assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
      assert.equal(queue.failures('k'), 6);
      queue.forget('k');
      assert.equal(queue.failures('k'), 0);
    } finally {
      mock.timers.reset();
    }
  });

  it('shutDown resolves pending get() with undefined and stops handing out keys', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.shutDown();
    assert.equal(await waiting, undefined);
    queue.add('x');
    assert.equal(await queue.get(), undefined);
  });

  it('shutDown cancels delayed keys', () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    try {
      const queue = new WorkQueue();
      queue.addAfter('k', 1000);
      queue.shutDown();
      mock.timers.tick(2000);
      assert.equal(queue.len(), 0);
    } finally {
      mock.timers.reset();
    }
  });

  it('shutDownWithDrain waits for keys in flight', async () => {
    const queue = new WorkQueue();
    queue.add('k');
    const key = await queue.get();
    let drained = false;
    const drain = queue.shutDownWithDrain().then(() => (drained = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(drained, false);
    queue.done(key as string);
    await drain;
    assert.equal(drained, true);
  });

  it('get() with an aborted signal resolves undefined and leaves the key queued', async () => {
    const queue = new WorkQueue();
    const controller = new AbortController();
    const waiting = queue.get(controller.signal);
    controller.abort();
    assert.equal(await waiting, undefined);
    queue.add('k');
    assert.equal(queue.len(), 1);
    assert.equal(await queue.get(), 'k');
  });

  it('never hands one key to two workers (random operation sequences)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('add', 'get', 'done'), fc.constantFrom('a', 'b', 'c')), { maxLength: 60 }),
        async (ops) => {
          const queue = new WorkQueue();
          const inFlight = new Set<string>();
          const pendingAdds = new Set<string>();
          for (const [op, key] of ops) {
            if (op === 'add') {
              queue.add(key);
              pendingAdds.add(key);
            } else if (op === 'get') {
              const got = await peek(queue);
              if (got === pending || got === undefined) {
                assert.equal(pendingAdds.size === 0 || [...pendingAdds].every((k) => inFlight.has(k)), true);
                continue;
              }
              assert.equal(inFlight.has(got), false, `${got} handed out twice`);
              inFlight.add(got);
              pendingAdds.delete(got);
            } else if (inFlight.delete(key)) {
              queue.done(key);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('backoffDelay', () => {
  it('grows by doubling from baseMs and stops at maxMs', () => {
    const delays = [0, 1, 2, 3, 8, 9, 50, 5000].map((n) => backoffDelay(n, noJitter));
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 256_000, 300_000, 300_000, 300_000]);
  });

  it('keeps jittered delays within [d·(1−jitter), d] and never above maxMs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (failures, jitter, random) => {
          const options = { baseMs: 1000, maxMs: 300_000, jitter };
          const ceiling = backoffDelay(failures, { ...options, jitter: 0 });
          const delay = backoffDelay(failures, options, () => random);
          assert.ok(delay <= ceiling && delay <= options.maxMs, `${delay} > ${ceiling}`);
          assert.ok(delay >= ceiling * (1 - jitter) - 1e-9, `${delay} < ${ceiling * (1 - jitter)}`);
        },
      ),
    );
  });

  it('defaults to 1 s doubling to 5 min with 20 % jitter', () => {
    assert.deepEqual(resolveBackoff(), { baseMs: 1000, maxMs: 300_000, jitter: 0.2 });
    assert.deepEqual(resolveBackoff({ baseMs: 50 }), { baseMs: 50, maxMs: 300_000, jitter: 0.2 });
  });

  it('rejects nonsense options', () => {
    assert.throws(() => resolveBackoff({ baseMs: 0 }), RangeError);
    assert.throws(() => resolveBackoff({ baseMs: 10, maxMs: 5 }), RangeError);
    assert.throws(() => resolveBackoff({ jitter: 1.5 }), RangeError);
  });
});
