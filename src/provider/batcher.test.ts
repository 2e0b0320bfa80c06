import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Batcher } from './batcher.ts';

class Unknown extends Error {}

function squares(options: { fail?: (keys: readonly number[]) => Error | undefined; maxKeys?: number } = {}) {
  const calls: number[][] = [];
  const batcher = new Batcher<number, number>({
    maxKeys: options.maxKeys ?? 20,
    windowMs: 5,
    fetch: (keys) => {
      calls.push([...keys]);
      const error = options.fail?.(keys);
      if (error !== undefined) return Promise.reject(error);
      return Promise.resolve(new Map(keys.filter((k) => k >= 0).map((k) => [k, k * k])));
    },
    perCallerOnError: (e) => e instanceof Unknown,
  });
  return { batcher, calls };
}

const never = new AbortController().signal;

test('concurrent requests share one call; each caller gets only its own keys', async () => {
  const { batcher, calls } = squares();
  const [a, b, c] = await Promise.all([
    batcher.load([1, 2], never),
    batcher.load([3], never),
    batcher.load([2, -1], never),
  ]);
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0], [1, 2, 3, -1]);
  assert.deepEqual(
    [...(a ?? [])],
    [
      [1, 1],
      [2, 4],
    ],
  );
  assert.deepEqual([...(b ?? [])], [[3, 9]]);
  assert.deepEqual([...(c ?? [])], [[2, 4]]); // -1 has no entry, and 1 and 3 are not c's
});

test('never more than maxKeys per call; a request is never split', async () => {
  const { batcher, calls } = squares({ maxKeys: 4 });
  const results = await Promise.all([
    batcher.load([1, 2, 3], never),
    batcher.load([4, 5], never),
    batcher.load([6], never),
    batcher.load([7, 8, 9, 10], never),
  ]);
  assert.ok(
    calls.every((c) => c.length <= 4),
    JSON.stringify(calls),
  );
  assert.deepEqual(calls, [
    [1, 2, 3],
    [4, 5, 6],
    [7, 8, 9, 10],
  ]);
  assert.deepEqual(
    results.map((r) => [...r.keys()]),
    [[1, 2, 3], [4, 5], [6], [7, 8, 9, 10]],
  );
  await assert.rejects(batcher.load([1, 2, 3, 4, 5], never), RangeError);
});

test('a batch refused because of one caller is re-run per caller: only that caller fails', async () => {
  const { batcher, calls } = squares({
    fail: (keys) => (keys.includes(13) ? new Unknown(`unknown key among ${keys.join(',')}`) : undefined),
  });
  const results = await Promise.allSettled([
    batcher.load([1], never),
    batcher.load([13], never),
    batcher.load([2], never),
  ]);
  assert.equal(calls.length, 4); // the batch, then one call per caller
  assert.equal(results[0]?.status, 'fulfilled');
  assert.equal(results[1]?.status, 'rejected');
  assert.equal(results[2]?.status, 'fulfilled');
});

test('a batch failing for everyone (throttled after retries) fails each caller with that error', async () => {
  const boom = new Error('elbv2:DescribeTags failed (Throttling)');
  const { batcher, calls } = squares({ fail: () => boom });
  const results = await Promise.allSettled([batcher.load([1], never), batcher.load([2], never)]);
  assert.equal(calls.length, 1);
  for (const r of results) assert.deepEqual(r, { status: 'rejected', reason: boom });
});

test("one caller aborting rejects that caller only; the others' shared call goes on", async () => {
  let seen: AbortSignal | undefined;
  const batcher = new Batcher<number, number>({
    maxKeys: 20,
    windowMs: 5,
    fetch: async (keys, signal) => {
      seen = signal;
      await new Promise((r) => setTimeout(r, 20));
      return new Map(keys.map((k) => [k, k]));
    },
    perCallerOnError: () => false,
  });
  const quitter = new AbortController();
  const a = batcher.load([1], quitter.signal);
  const b = batcher.load([2], never);
  setTimeout(() => quitter.abort(new Error('gave up')), 10);
  await assert.rejects(a, /gave up/);
  assert.deepEqual([...(await b)], [[2, 2]]);
  assert.equal(seen?.aborted, false);
});

test('a request alone goes out after the window', async () => {
  const { batcher, calls } = squares();
  assert.deepEqual([...(await batcher.load([5], never))], [[5, 25]]);
  assert.deepEqual(calls, [[5]]);
});
