import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PermanentError } from '../../src/provider/errors/index.ts';
import { formatCidr } from './ipv4.ts';
import { parseLocalSpec } from './spec.ts';

test('defaults apply to an empty or missing spec.local', () => {
  for (const spec of [undefined, {}]) {
    const config = parseLocalSpec(spec);
    assert.equal(formatCidr(config.pool.cidr), '127.77.0.0/24');
    assert.equal(config.healthCheckIntervalMs, 5000);
  }
  const config = parseLocalSpec({ addressPool: '127.88.0.0/30', healthCheckIntervalSeconds: 1 });
  assert.equal(formatCidr(config.pool.cidr), '127.88.0.0/30');
  assert.equal(config.healthCheckIntervalMs, 1000);
});

test('bad input is a PermanentError naming the field', () => {
  const table: [unknown, string][] = [
    [{ addressPool: '127.77.0.1/24' }, 'spec.local.addressPool'],
    [{ addressPool: 'loopback' }, 'spec.local.addressPool'],
    [{ addressPool: 42 }, 'spec.local.addressPool'],
    [{ healthCheckIntervalSeconds: 0 }, 'spec.local.healthCheckIntervalSeconds'],
    [{ healthCheckIntervalSeconds: 'often' }, 'spec.local.healthCheckIntervalSeconds'],
  ];
  for (const [spec, field] of table) {
    assert.throws(
      () => parseLocalSpec(spec),
      (error: unknown) => error instanceof PermanentError && error.field === field && error.message.includes(field),
      JSON.stringify(spec),
    );
  }
});
