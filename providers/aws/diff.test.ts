import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  entriesToChange,
  healthCheckNeedsUpdate,
  ingressChanges,
  listenerNeedsUpdate,
  subnetsNeedUpdate,
  targetChanges,
} from './diff.ts';

const hc = {
  protocol: 'TCP' as const,
  port: 'traffic-port',
  path: undefined,
  intervalSeconds: 10,
  timeoutSeconds: 6,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
};
const tg = {
  HealthCheckProtocol: 'TCP' as const,
  HealthCheckPort: 'traffic-port',
  HealthCheckIntervalSeconds: 10,
  HealthCheckTimeoutSeconds: 6,
  HealthyThresholdCount: 2,
  UnhealthyThresholdCount: 2,
  HealthCheckEnabled: true,
};

test('health check: equal → no update; any field differs → update', () => {
  assert.equal(healthCheckNeedsUpdate(tg, hc), false);
  assert.equal(healthCheckNeedsUpdate({ ...tg, HealthCheckIntervalSeconds: 30 }, hc), true);
  assert.equal(healthCheckNeedsUpdate(tg, { ...hc, protocol: 'HTTP', port: '32000', path: '/healthz' }), true);
});

test('targets: register the new, deregister the gone, keep the rest', () => {
  const c = targetChanges(
    [
      { instanceID: 'i-1', port: 1 },
      { instanceID: 'i-2', port: 1 },
    ],
    [
      { instanceID: 'i-2', port: 1 },
      { instanceID: 'i-3', port: 1 },
    ],
  );
  assert.deepEqual(c, { register: [{ instanceID: 'i-3', port: 1 }], deregister: [{ instanceID: 'i-1', port: 1 }] });
  assert.deepEqual(targetChanges([{ instanceID: 'i-1', port: 1 }], [{ instanceID: 'i-1', port: 2 }]).register, [
    { instanceID: 'i-1', port: 2 },
  ]);
});

test('attributes: only wanted ones that differ', () => {
  assert.deepEqual(entriesToChange({ a: '1', b: '2' }, { a: '1', b: '3' }), { b: '3' });
});

test('listener: protocol or target differs → update', () => {
  const l = { Protocol: 'TCP' as const, DefaultActions: [{ Type: 'forward' as const, TargetGroupArn: 'arn1' }] };
  assert.equal(listenerNeedsUpdate(l, { port: 80, protocol: 'TCP', targetGroupName: 'x' }, 'arn1'), false);
  assert.equal(listenerNeedsUpdate(l, { port: 80, protocol: 'TCP_UDP', targetGroupName: 'x' }, 'arn1'), true);
  assert.equal(listenerNeedsUpdate(l, { port: 80, protocol: 'TCP', targetGroupName: 'x' }, 'arn2'), true);
});

test('subnets compare as sets', () => {
  const lb = { AvailabilityZones: [{ SubnetId: 's-1' }, { SubnetId: 's-2' }] };
  assert.equal(subnetsNeedUpdate(lb, ['s-2', 's-1']), false);
  assert.equal(subnetsNeedUpdate(lb, ['s-1']), true);
});

test('security group rules: authorize the missing, revoke the unwanted', () => {
  const wanted = [
    { protocol: 'tcp' as const, port: 80, cidr: '10.0.0.0/8' },
    { protocol: 'udp' as const, port: 53, cidr: '2001:db8::/32' },
  ];
  const c = ingressChanges([{ protocol: 'tcp', port: 80, cidr: '0.0.0.0/0' }], wanted);
  assert.equal(c.authorize.length, 2);
  assert.deepEqual(c.revoke, [{ protocol: 'tcp', port: 80, cidr: '0.0.0.0/0' }]);
});
