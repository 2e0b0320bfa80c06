import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  isValidElbName,
  isValidLoadBalancerName,
  loadBalancerName,
  securityGroupName,
  targetGroupName,
} from './names.ts';

test('a valid base name is used as is', () => {
  assert.equal(loadBalancerName('prod-1a2b3c4d5e6f'), 'prod-1a2b3c4d5e6f');
});

test('a base starting with internal- is renamed, deterministically', () => {
  const n = loadBalancerName('internal-abc123');
  assert.ok(isValidLoadBalancerName(n), n);
  assert.equal(loadBalancerName('internal-abc123'), n);
});

test('names always fit AWS rules and are deterministic (property)', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 65535 }),
      fc.constantFrom('TCP', 'UDP', 'TCP_UDP' as const),
      (base, port, proto) => {
        const lb = loadBalancerName(base);
        assert.ok(isValidLoadBalancerName(lb), lb);
        assert.equal(loadBalancerName(base), lb);
        const tg = targetGroupName(base, port, proto);
        assert.ok(isValidElbName(tg), tg);
        assert.equal(targetGroupName(base, port, proto), tg);
      },
    ),
  );
});

test('target group names differ per port and protocol', () => {
  const names = new Set([
    targetGroupName('c-x', 80, 'TCP'),
    targetGroupName('c-x', 80, 'UDP'),
    targetGroupName('c-x', 80, 'TCP_UDP'),
    targetGroupName('c-x', 81, 'TCP'),
  ]);
  assert.equal(names.size, 4);
});

test('security group name follows the NLB name', () => {
  assert.equal(securityGroupName('abc'), 'k8s-elb-abc');
});
