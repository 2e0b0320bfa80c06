import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rangesOverlap } from './address-ranges.ts';

test('table: CIDR overlap', () => {
  const table: [string, string, boolean][] = [
    ['127.77.0.0/24', '127.77.0.0/24', true],
    ['127.77.0.0/16', '127.77.5.0/24', true],
    ['127.77.5.0/24', '127.77.0.0/16', true],
    ['127.77.0.0/24', '127.77.1.0/24', false],
    ['127.77.0.0/25', '127.77.0.128/25', false],
    ['127.77.0.7/32', '127.77.0.0/29', true],
    ['0.0.0.0/0', '10.0.0.0/8', true],
    ['fd00::/64', 'fd00::1/128', true],
    ['fd00::/64', 'fd01::/64', false],
    ['127.0.0.0/8', '::1/128', false],
    ['not-a-cidr', '127.0.0.0/8', false],
    ['127.0.0.0/33', '127.0.0.0/8', false],
  ];
  for (const [a, b, overlap] of table) assert.equal(rangesOverlap(a, b), overlap, `${a} ~ ${b}`);
});
