import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeConfig, type CoreV1Event } from '@kubernetes/client-node';
import { pino } from 'pino';
import {
  aggregationWindowMs,
  eventKey,
  eventName,
  eventNamespace,
  maxMessageLength,
  planWrite,
  truncateMessage,
  type ObjectRef,
} from './event-aggregation.ts';
import { EventRecorder, type EventSink } from './events.ts';
import { LruCache } from './lru.ts';

const svc: ObjectRef = { kind: 'Service', apiVersion: 'v1', namespace: 'shop', name: 'web', uid: 'u-1' };
const log = pino({ level: 'silent' });

describe('eventKey', () => {
  it('is the same for the same object, type, reason and message', () => {
    assert.equal(eventKey(svc, 'Normal', 'R', 'm'), eventKey({ ...svc, resourceVersion: '42' }, 'Normal', 'R', 'm'));
  });

  it('differs when any of object uid, type, reason or message differs', () => {
    const base = eventKey(svc, 'Normal', 'R', 'm');
    assert.notEqual(
      eventKey({ ...svc, uid: 'u-2' }, 'Normal', 'R', 'm'),
      base,
      'a re-created Service is another object',
    );
    assert.notEqual(eventKey(svc, 'Warning', 'R', 'm'), base);
    assert.notEqual(eventKey(svc, 'Normal', 'R2', 'm'), base);
    assert.notEqual(eventKey(svc, 'Normal', 'R', 'm2'), base);
    assert.notEqual(eventKey({ ...svc, namespace: 'other' }, 'Normal', 'R', 'm'), base);
  });

  it('cannot be confused by separators inside fields', () => {
    assert.notEqual(eventKey(svc, 'Normal', 'a', 'b","c'), eventKey(svc, 'Normal', 'a","b', 'c'));
  });
});

describe('planWrite', () => {
  const t0 = new Date('2025-01-01T00:00:00Z');
  const seen = { name: 'web.1', namespace: 'shop', count: 2, firstTimestamp: t0, lastTimestamp: t0 };

  it('creates the first time', () => {
    assert.deepEqual(planWrite(undefined, t0), { kind: 'create' });
  });

  it('patches with count + 1 within the window', () => {
    assert.deepEqual(planWrite(seen, new Date(t0.getTime() + aggregationWindowMs)), { kind: 'patch', seen, count: 3 });
  });

  it('creates again after the window', () => {
    assert.deepEqual(planWrite(seen, new Date(t0.getTime() + aggregationWindowMs + 1)), { kind: 'create' });
  });
});

describe('event helpers', () => {
  it('truncates messages to 1024 characters', () => {
    assert.equal(truncateMessage('x'.repeat(5000)).length, maxMessageLength);
    assert.equal(truncateMessage('short'), 'short');
  });

  it('puts events of cluster-scoped objects into default', () => {
    assert.equal(
      eventNamespace({ kind: 'LoadBalancerProvider', apiVersion: 'cloudlb.dev/v1alpha1', name: 'aws' }),
      'default',
    );
    assert.equal(eventNamespace(svc), 'shop');
  });

  it('names events uniquely and within 253 characters', () => {
    const now = new Date();
    assert.notEqual(eventName('web', now, 1), eventName('web', now, 2));
    const long = eventName('a'.repeat(250) + '-b', now, 1);
    assert.ok(long.length <= 253);
    assert.match(long, /^a+\.[0-9a-f]+$/);
  });
});

describe('LruCache', () => {
  it('keeps at most maxEntries, evicting the least recently used', () => {
    const lru = new LruCache<string, number>(3);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('c', 3);
    assert.equal(lru.get('a'), 1); // a is now the most recent
    lru.set('d', 4);
    assert.equal(lru.size, 3);
    assert.equal(lru.get('b'), undefined, 'b was least recently used');
    assert.equal(lru.get('a'), 1);
    assert.equal(lru.get('d'), 4);
  });

  it('stays bounded under many keys', () => {
    const lru = new LruCache<number, number>(100);
    for (let i = 0; i < 10_000; i += 1) lru.set(i, i);
    assert.equal(lru.size, 100);
    assert.equal(lru.get(9999), 9999);
    assert.equal(lru.get(0), undefined);
  });
});

/** An in-memory sink: records what the recorder asked for (pure logic only; the real test is in test/kube). */
function memorySink(
  failures: { status: number }[] = [],
): EventSink & { calls: string[]; events: Map<string, CoreV1Event> } {
  const events = new Map<string, CoreV1Event>();
  const calls: string[] = [];
  return {
    calls,
    events,
    create(namespace, event) {
      calls.push('create');
      const failure = failures.shift();
      if (failure !== undefined) return Promise.reject(Object.assign(new Error('injected'), { code: failure.status }));
      events.set(`${namespace}/${event.metadata.name ?? ''}`, event);
      return Promise.resolve(event);
    },
    patch(namespace, name, patch) {
      calls.push('patch');
      const existing = events.get(`${namespace}/${name}`);
      if (existing === undefined) return Promise.reject(Object.assign(new Error('gone'), { code: 404 }));
      Object.assign(existing, patch);
      return Promise.resolve(existing);
    },
  };
}

describe('EventRecorder aggregation', () => {
  const kc = new KubeConfig();

  it('creates one Event and bumps its count for repeats', async () => {
    const sink = memorySink();
    const recorder = new EventRecorder({ kc, component: 'test', log, sink });
    recorder.record(svc, 'Normal', 'EnsuredLoadBalancer', 'done');
    recorder.record(svc, 'Normal', 'EnsuredLoadBalancer', 'done');
    recorder.record(svc, 'Normal', 'EnsuredLoadBalancer', 'done');
    await recorder.flush();
    assert.deepEqual(sink.calls, ['create', 'patch', 'patch']);
    assert.equal([...sink.events.values()][0]?.count, 3);
  });

  it('starts a new Event when the old one is gone', async () => {
    const sink = memorySink();
    const recorder = new EventRecorder({ kc, component: 'test', log, sink });
    recorder.record(svc, 'Warning', 'SyncLoadBalancerFailed', 'boom');
    await recorder.flush();
    sink.events.clear();
    recorder.record(svc, 'Warning', 'SyncLoadBalancerFailed', 'boom');
    await recorder.flush();
    assert.deepEqual(sink.calls, ['create', 'patch', 'create']);
    assert.equal([...sink.events.values()][0]?.count, 1);
  });

  it('retries an unreachable server, gives up on a rejected request, never throws', async () => {
    const sink = memorySink([{ status: 503 }, { status: 422 }]);
    const recorder = new EventRecorder({ kc, component: 'test', log, sink, retryDelayMs: 1 });
    recorder.record(svc, 'Normal', 'A', 'first');
    await recorder.flush();
    assert.deepEqual(sink.calls, ['create', 'create'], '503 retried');
    recorder.record(svc, 'Normal', 'B', 'second');
    await recorder.flush();
    assert.deepEqual(sink.calls, ['create', 'create', 'create'], '422 not retried');
    assert.equal(sink.events.size, 1);
  });

  it('drops events beyond maxPending instead of queueing without bound', async () => {
    const sink = memorySink();
    const recorder = new EventRecorder({ kc, component: 'test', log, sink, maxPending: 2 });
    for (let i = 0; i < 5; i += 1) recorder.record(svc, 'Normal', 'R', `m${i}`);
    await recorder.flush();
    assert.equal(sink.events.size, 2);
  });
});
