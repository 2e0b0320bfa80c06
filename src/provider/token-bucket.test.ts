import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from './token-bucket.ts';

test('burst is available at once, then tokens come at qps', () => {
  let now = 0;
  const bucket = new TokenBucket({ qps: 10, burst: 3, now: () => now });
  assert.equal(bucket.tryTake(), 0);
  assert.equal(bucket.tryTake(), 0);
  assert.equal(bucket.tryTake(), 0);
  assert.equal(bucket.tryTake(), 100);
  now = 100;
  assert.equal(bucket.tryTake(), 0);
  now = 10_000;
  for (let i = 0; i < 3; i++) assert.equal(bucket.tryTake(), 0);
  assert.ok(bucket.tryTake() > 0);
});

test('take() gives up when the signal aborts', async () => {
  const bucket = new TokenBucket({ qps: 0.1, burst: 1 });
  await bucket.take();
  const controller = new AbortController();
  const waiting = bucket.take(controller.signal);
  controller.abort(new Error('stop'));
  await assert.rejects(waiting, /stop/);
});
