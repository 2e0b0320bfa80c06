import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PermanentError } from '../../src/provider/errors/index.ts';
import { sourceFilter } from './source-ranges.ts';

test('sourceFilter table', () => {
  const cases: { ranges: string[]; allowed: string[]; denied: string[] }[] = [
    { ranges: [], allowed: ['127.0.0.1', '8.8.8.8'], denied: [] },
    { ranges: ['127.0.0.1/32'], allowed: ['127.0.0.1'], denied: ['127.0.0.2', '10.0.0.1'] },
    { ranges: ['10.0.0.0/8', '127.0.0.0/8'], allowed: ['10.9.9.9', '127.1.2.3'], denied: ['192.168.0.1'] },
    { ranges: ['fd00::/8'], allowed: ['fd00::1'], denied: ['127.0.0.1'] },
  ];
  for (const c of cases) {
    const allow = sourceFilter(c.ranges);
    for (const ip of c.allowed) assert.equal(allow(ip), true, `${c.ranges.join(',')} allows ${ip}`);
    for (const ip of c.denied) assert.equal(allow(ip), false, `${c.ranges.join(',')} denies ${ip}`);
  }
});

test('a range that is not a CIDR names spec.loadBalancerSourceRanges', () => {
  for (const bad of ['10.0.0.0', '10.0.0.0/40', 'office']) {
    assert.throws(
      () => sourceFilter([bad]),
      (e: unknown) => e instanceof PermanentError && e.field === 'spec.loadBalancerSourceRanges',
      bad,
    );
  }
});
