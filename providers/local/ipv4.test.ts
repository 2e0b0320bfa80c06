import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cidrContains, formatCidr, formatIPv4, parseCidr, parseIPv4 } from './ipv4.ts';

test('parseIPv4 and formatIPv4 round-trip', () => {
  for (const text of ['0.0.0.0', '127.77.0.1', '255.255.255.255', '10.1.2.3']) {
    const value = parseIPv4(text);
    assert.notEqual(value, undefined, text);
    assert.equal(formatIPv4(value ?? -1), text);
  }
  for (const bad of ['', '1.2.3', '256.0.0.1', '::1', '1.2.3.4/8', 'a.b.c.d'])
    assert.equal(parseIPv4(bad), undefined, bad);
});

test('parseCidr accepts networks and rejects host bits or junk', () => {
  const table: [string, string | undefined][] = [
    ['127.77.0.0/24', '127.77.0.0/24'],
    [' 10.0.0.0/8 ', '10.0.0.0/8'],
    ['127.77.0.4/30', '127.77.0.4/30'],
    ['127.77.0.9/32', '127.77.0.9/32'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['127.77.0.1/24', undefined],
    ['127.77.0.0/33', undefined],
    ['127.77.0.0', undefined],
    ['fd00::/64', undefined],
    ['not-a-cidr', undefined],
  ];
  for (const [input, expected] of table) {
    const cidr = parseCidr(input);
    assert.equal(cidr === undefined ? undefined : formatCidr(cidr), expected, input);
  }
});

test('cidrContains covers exactly the block', () => {
  const cidr = parseCidr('127.77.0.0/30');
  assert.ok(cidr);
  const inside = (ip: string): boolean => cidrContains(cidr, parseIPv4(ip) ?? -1);
  assert.deepEqual(['127.76.255.255', '127.77.0.0', '127.77.0.3', '127.77.0.4'].map(inside), [
    false,
    true,
    true,
    false,
  ]);
});
