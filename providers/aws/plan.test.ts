import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DesiredLoadBalancer } from '../../src/provider/contract.ts';
import { PermanentError } from '../../src/provider/errors/index.ts';
import { parseAnnotations } from './annotations.ts';
import { mergeListeners, planHealthCheck, planLoadBalancer } from './plan.ts';
import { instanceIDFromProviderID } from './targets.ts';
import { desiredLoadBalancer } from '../../test/support/desired.ts';

const base: DesiredLoadBalancer = desiredLoadBalancer({
  name: 'c1-0123456789ab',
  ownership: { clusterName: 'c1', serviceNamespace: 'ns', serviceName: 'web', serviceUID: 'uid-1' },
  listeners: [
    { port: 80, protocol: 'TCP', nodePort: 30080 },
    { port: 53, protocol: 'UDP', nodePort: 30053 },
    { port: 53, protocol: 'TCP', nodePort: 30053 },
  ],
  targets: [
    { nodeName: 'n1', providerID: 'aws:///us-east-1a/i-0aaa', addresses: [], labels: { pool: 'a' } },
    { nodeName: 'n2', providerID: 'gce://p/z/n2', addresses: [], labels: {} },
    { nodeName: 'n3', addresses: [], labels: {} },
  ],
});

test('providerID parsing', () => {
  assert.equal(instanceIDFromProviderID('aws:///us-east-1a/i-0123abc'), 'i-0123abc');
  assert.equal(instanceIDFromProviderID('aws:////i-0123abc'), 'i-0123abc');
  assert.equal(instanceIDFromProviderID('gce://p/z/n'), undefined);
  assert.equal(instanceIDFromProviderID(undefined), undefined);
});

test('TCP and UDP on one port merge into TCP_UDP; ports sorted', () => {
  assert.deepEqual(mergeListeners(base.listeners), [
    { port: 53, protocol: 'TCP_UDP', nodePort: 30053 },
    { port: 80, protocol: 'TCP', nodePort: 30080 },
  ]);
});

test('TCP and UDP on one port with different node ports is a permanent error', () => {
  assert.throws(
    () =>
      mergeListeners([
        { port: 53, protocol: 'TCP', nodePort: 1 },
        { port: 53, protocol: 'UDP', nodePort: 2 },
      ]),
    PermanentError,
  );
});

test('SCTP never reaches AWS', () => {
  assert.throws(() => mergeListeners([{ port: 9, protocol: 'SCTP', nodePort: 1 }]), PermanentError);
});

test('plan: targets from AWS providerIDs only, others noted', () => {
  const plan = planLoadBalancer(base, parseAnnotations({}).options);
  assert.equal(plan.nlbName, 'c1-0123456789ab');
  assert.equal(plan.scheme, 'internet-facing');
  assert.deepEqual(
    plan.targetGroups.map((g) => g.targets),
    [[{ instanceID: 'i-0aaa', port: 30053 }], [{ instanceID: 'i-0aaa', port: 30080 }]],
  );
  assert.deepEqual(
    plan.skippedTargets.map((s) => s.nodeName),
    ['n2', 'n3'],
  );
  assert.deepEqual(
    plan.listeners.map((l) => [l.port, l.protocol]),
    [
      [53, 'TCP_UDP'],
      [80, 'TCP'],
    ],
  );
  assert.equal(plan.ingressRules.length, 3);
  assert.equal(plan.tags['cloudlb.dev/service-uid'], 'uid-1');
});

test('plan: target-node-labels filters nodes; source ranges become rules', () => {
  const lb = { ...base, sourceRanges: ['10.0.0.0/8', '2001:db8::/32'] };
  const { options } = parseAnnotations({ 'service.beta.kubernetes.io/aws-load-balancer-target-node-labels': 'pool=b' });
  const plan = planLoadBalancer(lb, options);
  assert.deepEqual(plan.targetGroups[0]?.targets, []);
  assert.equal(plan.ingressRules.length, 6);
});

test('health check: traffic port by default, HTTP for Local, annotations override', () => {
  const none = parseAnnotations({}).options;
  assert.deepEqual(planHealthCheck(base, none), {
    protocol: 'TCP',
    port: 'traffic-port',
    path: undefined,
    intervalSeconds: 10,
    timeoutSeconds: 6,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
  });
  const local = { ...base, healthCheck: { kind: 'HTTP' as const, port: 32000, path: '/healthz' } };
  assert.deepEqual(planHealthCheck(local, none).path, '/healthz');
  assert.deepEqual(planHealthCheck(local, none).port, '32000');
  const over = parseAnnotations({
    'service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol': 'TCP',
    'service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval': '30',
  }).options;
  assert.equal(planHealthCheck(local, over).protocol, 'TCP');
  assert.equal(planHealthCheck(local, over).path, undefined);
  assert.equal(planHealthCheck(local, over).intervalSeconds, 30);
});
