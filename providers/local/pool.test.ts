import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseCidr } from './ipv4.ts';
import { allocateAddress, isUsable, poolFromCidr, preferredSlot, type AddressPool } from './pool.ts';
import { parseIPv4 } from './ipv4.ts';

function pool(text: string): AddressPool {
  const cidr = parseCidr(text);
  assert.ok(cidr, text);
  return poolFromCidr(cidr);
}

test('usable range skips network and broadcast except in /31 and /32', () => {
  const table: [string, number][] = [
    ['127.77.0.0/24', 254],
    ['127.77.0.0/30', 2],
    ['127.77.0.0/31', 2],
    ['127.77.0.7/32', 1],
  ];
  for (const [cidr, count] of table) assert.equal(pool(cidr).count, count, cidr);
  const p = pool('127.77.0.0/30');
  assert.deepEqual(
    ['127.77.0.0', '127.77.0.1', '127.77.0.2', '127.77.0.3'].map((a) => isUsable(p, parseIPv4(a) ?? -1)),
    [false, true, true, false],
  );
});

test('allocation table', () => {
  const p24 = pool('127.77.0.0/24');
  const p30 = pool('127.77.0.0/30');
  const slotOf = (key: string): string => `127.77.0.${1 + preferredSlot(key, 254)}`;
  const cases: {
    name: string;
    pool: AddressPool;
    request: Parameters<typeof allocateAddress>[1];
    taken: [string, string][];
    expected: ReturnType<typeof allocateAddress>;
  }[] = [
    {
      name: 'a fresh key gets its hashed slot',
      pool: p24,
      request: { key: 'lb-a' },
      taken: [],
      expected: { kind: 'allocated', address: slotOf('lb-a') },
    },
    {
      name: 'a recorded address wins over the hash',
      pool: p24,
      request: { key: 'lb-a', recorded: '127.77.0.200' },
      taken: [['127.77.0.200', 'lb-a']],
      expected: { kind: 'allocated', address: '127.77.0.200' },
    },
    {
      name: 'a recorded address outside a changed pool is replaced',
      pool: p30,
      request: { key: 'lb-a', recorded: '127.77.0.200' },
      taken: [['127.77.0.200', 'lb-a']],
      expected: { kind: 'allocated', address: `127.77.0.${1 + preferredSlot('lb-a', 2)}` },
    },
    {
      name: 'collision probes to the next address',
      pool: p24,
      request: { key: 'lb-a' },
      taken: [[slotOf('lb-a'), 'lb-other']],
      expected: { kind: 'allocated', address: `127.77.0.${1 + ((preferredSlot('lb-a', 254) + 1) % 254)}` },
    },
    {
      name: 'requested address inside the pool',
      pool: p24,
      request: { key: 'lb-a', requested: '127.77.0.42' },
      taken: [],
      expected: { kind: 'allocated', address: '127.77.0.42' },
    },
    {
      name: 'requested address held by another key',
      pool: p24,
      request: { key: 'lb-a', requested: '127.77.0.42' },
      taken: [['127.77.0.42', 'lb-b']],
      expected: { kind: 'taken', address: '127.77.0.42', owner: 'lb-b' },
    },
    {
      name: 'requested broadcast address is outside the usable range',
      pool: p24,
      request: { key: 'lb-a', requested: '127.77.0.255' },
      taken: [],
      expected: { kind: 'outside', requested: '127.77.0.255' },
    },
    {
      name: 'requested address that is not an IP',
      pool: p24,
      request: { key: 'lb-a', requested: 'my-lb' },
      taken: [],
      expected: { kind: 'malformed', requested: 'my-lb' },
    },
    {
      name: 'full pool reports used and total',
      pool: p30,
      request: { key: 'lb-c' },
      taken: [
        ['127.77.0.1', 'lb-a'],
        ['127.77.0.2', 'lb-b'],
        ['127.77.9.9', 'lb-elsewhere'],
      ],
      expected: { kind: 'full', used: 2, total: 2 },
    },
    {
      name: 'a key keeps its own address in a full pool',
      pool: p30,
      request: { key: 'lb-b', recorded: '127.77.0.2' },
      taken: [
        ['127.77.0.1', 'lb-a'],
        ['127.77.0.2', 'lb-b'],
      ],
      expected: { kind: 'allocated', address: '127.77.0.2' },
    },
  ];
  for (const c of cases) assert.deepEqual(allocateAddress(c.pool, c.request, new Map(c.taken)), c.expected, c.name);
});

test('property: never hands out an address another key holds, always usable', () => {
  const p = pool('127.77.0.0/28');
  fc.assert(
    fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 20 }), (keys) => {
      const taken = new Map<string, string>();
      for (const key of keys) {
        const result = allocateAddress(p, { key }, taken);
        if (taken.size >= p.count) {
          assert.equal(result.kind, 'full');
          continue;
        }
        assert.equal(result.kind, 'allocated');
        if (result.kind !== 'allocated') continue;
        assert.equal(taken.has(result.address), false);
        assert.ok(isUsable(p, parseIPv4(result.address) ?? -1));
        taken.set(result.address, key);
      }
    }),
  );
});
