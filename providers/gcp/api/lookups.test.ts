// Name lookups batched across Services (Lookups over the generic Batcher), with a
// stand-in for ComputeApi.list: which calls go out, with which filter, and who gets what back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ComputeApi } from './compute.ts';
import { BATCH_NAMES, Lookups, namesFilter } from './lookups.ts';

interface Call {
  readonly operation: string;
  readonly filter: string;
  readonly target: string;
}

class Unavailable extends Error {}

/** Answers a `name eq "(a|b)"` list from `existing`; `fail` makes a call throw; `hold` delays every call. */
function stubApi(existing: readonly string[], options: { fail?: () => Error | undefined; hold?: Promise<void> } = {}) {
  const calls: Call[] = [];
  const api = {
    config: { project: 'p', region: 'europe-west1' },
    async list(operation: string, request: { filter: string }, _fn: unknown, signal: AbortSignal, target: string) {
      calls.push({ operation, filter: request.filter, target });
      await options.hold;
      signal.throwIfAborted();
      const error = options.fail?.();
      if (error) throw error;
      const m = /^name eq "\((.*)\)"$/.exec(request.filter);
      assert.ok(m, `unexpected filter ${request.filter}`);
      const wanted = new Set(m[1]?.split('|'));
      return existing.filter((n) => wanted.has(n)).map((name) => ({ name, description: operation }));
    },
  };
  return { resources: new Lookups(api as unknown as ComputeApi, { windowMs: 5 }), calls };
}

const never = new AbortController().signal;

test('the filter names each resource exactly, as a whole-name RE2 alternation', () => {
  assert.equal(namesFilter(['lb-a', 'lb-b-tcp']), 'name eq "(lb-a|lb-b-tcp)"');
  assert.throws(() => namesFilter(['a|b']), TypeError);
  assert.throws(() => namesFilter(['a"']), TypeError);
  assert.throws(() => namesFilter(['lb.*']), TypeError);
});

test('lookups from different Services share one call per type; each gets only its own', async () => {
  const { resources, calls } = stubApi(['a', 'b', 'a-tcp', 'b-tcp', 'b-udp', 'a-fw', 'b-hc']);
  const [a, b, none, ruleA, ruleB, fwA, fwB] = await Promise.all([
    resources.address('a', never),
    resources.address('b', never),
    resources.address('c', never),
    resources.rules(['a-tcp', 'a-udp', 'a-l3'], never),
    resources.rules(['b-tcp', 'b-udp', 'b-l3'], never),
    resources.firewalls(['a-fw', 'a-hc'], never),
    resources.firewalls(['b-fw', 'b-hc'], never),
  ]);
  assert.deepEqual(
    calls.map((c) => [c.operation, c.filter]),
    [
      ['addresses.list', 'name eq "(a|b|c)"'],
      ['forwardingRules.list', 'name eq "(a-tcp|a-udp|a-l3|b-tcp|b-udp|b-l3)"'],
      ['firewalls.list', 'name eq "(a-fw|a-hc|b-fw|b-hc)"'],
    ],
  );
  assert.equal(a?.name, 'a');
  assert.equal(b?.name, 'b');
  assert.equal(none, undefined);
  assert.deepEqual(
    ruleA.map((x) => x.name),
    ['a-tcp'],
  );
  assert.deepEqual(
    ruleB.map((x) => x.name),
    ['b-tcp', 'b-udp'],
  );
  assert.deepEqual(
    fwA.map((x) => x.name),
    ['a-fw'],
  );
  assert.deepEqual(
    fwB.map((x) => x.name),
    ['b-hc'],
  );
});

test('types never share a call: an address and a health check of the same name are two lists', async () => {
  const { resources, calls } = stubApi(['x']);
  const [address, check, backend] = await Promise.all([
    resources.address('x', never),
    resources.healthCheck('x', never),
    resources.backendService('x', never),
  ]);
  assert.deepEqual(calls.map((c) => c.operation).sort(), [
    'addresses.list',
    'regionBackendServices.list',
    'regionHealthChecks.list',
  ]);
  assert.equal(address?.description, 'addresses.list');
  assert.equal(check?.description, 'regionHealthChecks.list');
  assert.equal(backend?.description, 'regionBackendServices.list');
});

test(`at most ${BATCH_NAMES} names per call, and one Service's names are never split`, async () => {
  const services = Array.from({ length: 25 }, (_, i) => `s${i}`);
  const { resources, calls } = stubApi(services.map((s) => `${s}-udp`));
  const found = await Promise.all(services.map((s) => resources.rules([`${s}-tcp`, `${s}-udp`, `${s}-l3`], never)));
  const perCall = calls.map((c) => (/\((.*)\)/.exec(c.filter)?.[1] ?? '').split('|'));
  assert.ok(
    perCall.every((names) => names.length <= BATCH_NAMES && names.length % 3 === 0),
    JSON.stringify(perCall),
  );
  assert.equal(perCall.flat().length, 75);
  assert.ok(calls.length < services.length / 5, `${calls.length} calls for ${services.length} Services`);
  for (const [i, s] of services.entries())
    assert.deepEqual(
      found[i]?.map((x) => x.name),
      [`${s}-udp`],
    );
});

test('a failed shared call fails every caller with its error, and the next lookup calls again', async () => {
  let broken = true;
  const outage = new Unavailable('regionHealthChecks.list batched lookup of 3 name(s): 503 unavailable');
  const { resources, calls } = stubApi(['a', 'b'], { fail: () => (broken ? outage : undefined) });
  const results = await Promise.allSettled([
    resources.healthCheck('a', never),
    resources.healthCheck('b', never),
    resources.healthCheck('c', never),
  ]);
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.target, 'batched lookup of 3 name(s)');
  for (const r of results) {
    assert.equal(r.status, 'rejected');
    assert.equal(r.reason, outage, 'the error, not an absent resource (never recreate because a read failed)');
  }
  broken = false;
  assert.equal((await resources.healthCheck('a', never))?.name, 'a');
  assert.equal(calls.length, 2);
});

test("a malformed name fails only its own caller, before it could spoil others' call", async () => {
  const { resources, calls } = stubApi(['a']);
  const [bad, good] = await Promise.allSettled([resources.address('A|b', never), resources.address('a', never)]);
  assert.equal(bad.status, 'rejected');
  assert.ok(bad.reason instanceof TypeError);
  assert.equal(good.status === 'fulfilled' ? good.value?.name : undefined, 'a');
  assert.deepEqual(
    calls.map((c) => c.filter),
    ['name eq "(a)"'],
  );
});

test('a caller giving up does not fail the others sharing its call', async () => {
  let release = (): void => undefined;
  const hold = new Promise<void>((resolve) => (release = resolve));
  const { resources, calls } = stubApi(['a', 'b'], { hold });
  const quitter = new AbortController();
  const gone = resources.address('a', quitter.signal);
  const stays = resources.address('b', never);
  await new Promise((resolve) => setTimeout(resolve, 20));
  quitter.abort(new Error('shutting down'));
  await assert.rejects(gone, /shutting down/);
  release();
  assert.equal((await stays)?.name, 'b');
  assert.equal(calls.length, 1);
});

test('a lookup made while a call is in flight is answered by a later call (it sees later writes)', async () => {
  let release = (): void => undefined;
  const hold = new Promise<void>((resolve) => (release = resolve));
  const { resources, calls } = stubApi(['a'], { hold });
  const first = resources.address('a', never);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(calls.length, 1);
  const second = resources.address('a', never);
  release();
  await Promise.all([first, second]);
  assert.equal(calls.length, 2);
});
