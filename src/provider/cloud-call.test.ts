import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudCaller, type Failure, type RateLimiter } from './cloud-call.ts';
import { PermanentError, ProviderError } from './errors/index.ts';

/** A fake cloud error: its `kind` is what the fake classifier reads, as a real one reads a code. */
class FakeCloudError extends Error {
  readonly failure: Failure;
  constructor(kind: Failure['kind'], code: string) {
    super(`${kind} (${code})`);
    this.failure = { kind, code };
  }
}

const NO_LIMIT: RateLimiter = { take: async () => {} };

function caller(options: { limiter?: RateLimiter } = {}): { caller: CloudCaller; counted: string[] } {
  const counted: string[] = [];
  return {
    counted,
    caller: new CloudCaller({
      cloud: 'Fake Cloud',
      limiter: options.limiter ?? NO_LIMIT,
      countCall: (operation) => counted.push(operation),
      retry: { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 2 },
      classify: (error) => (error instanceof FakeCloudError ? error.failure : { kind: 'retryable', code: undefined }),
    }),
  };
}

/** A send that fails with `errors` in turn, then answers 'ok'. */
function failing(...errors: Error[]): { send: () => Promise<string>; attempts: () => number } {
  let attempts = 0;
  return {
    attempts: () => attempts,
    send: () => {
      const error = errors[attempts++];
      return error ? Promise.reject(error) : Promise.resolve('ok');
    },
  };
}

const signal = new AbortController().signal;

/** The error a call rejects with (and fails the test when it resolves). */
async function rejection(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  assert.fail('the call resolved');
}

test('throttling is retried, also for a call that is not idempotent, and every attempt is counted', async () => {
  const { caller: c, counted } = caller();
  const cloud = failing(new FakeCloudError('throttled', 'Throttling'), new FakeCloudError('throttled', 'Throttling'));
  assert.equal(await c.call('fake:Create', signal, cloud.send, { idempotent: false }), 'ok');
  assert.equal(cloud.attempts(), 3);
  assert.deepEqual(counted, ['fake:Create', 'fake:Create', 'fake:Create']);
});

test('a 5xx is retried for an idempotent call', async () => {
  const { caller: c, counted } = caller();
  const cloud = failing(new FakeCloudError('retryable', 'InternalFailure'));
  assert.equal(await c.call('fake:Describe', signal, cloud.send), 'ok');
  assert.deepEqual(counted, ['fake:Describe', 'fake:Describe']);
});

test('a 5xx on a call that is not idempotent goes up at once as ProviderError with the code', async () => {
  const { caller: c, counted } = caller();
  const cloud = failing(new FakeCloudError('retryable', 'InternalFailure'));
  const error = await rejection(c.call('fake:Create', signal, cloud.send, { idempotent: false, target: 'lb-1' }));
  assert.ok(error instanceof ProviderError);
  assert.equal(error.operation, 'fake:Create');
  assert.equal(error.code, 'InternalFailure');
  assert.match(error.message, /^fake:Create lb-1 failed \(InternalFailure\)/);
  assert.deepEqual(counted, ['fake:Create']);
});

test('an invalid request is not retried and becomes PermanentError naming the cloud', async () => {
  const { caller: c, counted } = caller();
  const cloud = failing(new FakeCloudError('invalid', 'ValidationError'));
  const error = await rejection(c.call('fake:Create', signal, cloud.send));
  assert.ok(error instanceof PermanentError);
  assert.match(error.message, /^Fake Cloud rejected fake:Create \(ValidationError\)/);
  assert.deepEqual(counted, ['fake:Create']);
});

test('a final failure (not found) is not retried and keeps its code', async () => {
  const { caller: c, counted } = caller();
  const cloud = failing(new FakeCloudError('final', 'NotFound'));
  const error = await rejection(c.call('fake:Describe', signal, cloud.send));
  assert.ok(error instanceof ProviderError);
  assert.equal(error.code, 'NotFound');
  assert.deepEqual(counted, ['fake:Describe']);
});

test('retries are bounded: after the budget the last error goes up', async () => {
  const { caller: c, counted } = caller();
  const throttled = new FakeCloudError('throttled', 'Throttling');
  const cloud = failing(throttled, throttled, throttled, throttled, throttled);
  const error = await rejection(c.call('fake:Describe', signal, cloud.send));
  assert.ok(error instanceof ProviderError);
  assert.equal(error.cause, throttled);
  assert.equal(counted.length, 4, 'one attempt and three retries');
});

test('an aborted call rejects with the signal reason, untranslated, and sends nothing more', async () => {
  const controller = new AbortController();
  let release: () => void = () => {};
  const waiting = new Promise<void>((resolve) => (release = resolve));
  // The limiter holds the call until the signal has fired, as a bucket without tokens would.
  const limiter: RateLimiter = {
    take: async (s) => {
      await waiting;
      s.throwIfAborted();
    },
  };
  const { caller: c, counted } = caller({ limiter });
  const cloud = failing();
  const call = c.call('fake:Describe', controller.signal, cloud.send);
  const reason = new Error('reconcile cancelled');
  controller.abort(reason);
  release();
  await assert.rejects(call, (error) => error === reason);
  assert.equal(cloud.attempts(), 0);
  assert.deepEqual(counted, []);
});

test('an abort between retries stops the retry loop', async () => {
  const controller = new AbortController();
  const { caller: c, counted } = caller();
  const reason = new Error('reconcile cancelled');
  const send = (): Promise<string> => {
    controller.abort(reason);
    return Promise.reject(new FakeCloudError('throttled', 'Throttling'));
  };
  await assert.rejects(c.call('fake:Describe', controller.signal, send), (error) => error === reason);
  assert.deepEqual(counted, ['fake:Describe']);
});

test("an invalid failure that names a user's field carries it on the PermanentError, tried once", async () => {
  const { caller: c } = caller();
  const quota = Object.assign(new FakeCloudError('invalid', 'TooManyListeners'), {
    failure: { kind: 'invalid', code: 'TooManyListeners', field: 'spec.ports' } satisfies Failure,
  });
  const cloud = failing(quota);
  const error = await rejection(c.call('fake:CreateListener', signal, cloud.send));
  assert.ok(error instanceof PermanentError);
  assert.equal(error.field, 'spec.ports');
  assert.equal(cloud.attempts(), 1);
});
