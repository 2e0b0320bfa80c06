import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Service } from '@kubernetes/client-node';
import { buildDesired, sourceRangesOf } from './desired.ts';
import { baseName } from './names.ts';

function service(spec: NonNullable<V1Service['spec']>, annotations: Record<string, string> = {}): V1Service {
  return {
    metadata: { namespace: 'web', name: 'front', uid: 'u-1', annotations },
    spec: { type: 'LoadBalancer', ...spec },
  };
}
const interpretation = { scheme: 'External' as const, options: undefined, problems: [] };

test('desired carries ownership, listeners, targets and the traffic-port health check', () => {
  const targets = [{ nodeName: 'n1', addresses: [], labels: {} }];
  const desired = buildDesired({
    service: service({
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 },
        { port: 53, protocol: 'UDP', nodePort: 30053 },
        { port: 81 },
      ],
    }),
    targets,
    clusterName: 'c1',
    interpretation,
  });
  assert.equal(desired.name, baseName('c1', 'u-1'));
  assert.deepEqual(desired.ownership, {
    clusterName: 'c1',
    serviceNamespace: 'web',
    serviceName: 'front',
    serviceUID: 'u-1',
  });
  assert.deepEqual(desired.listeners, [
    { name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 },
    { port: 53, protocol: 'UDP', nodePort: 30053 },
    { port: 81, protocol: 'TCP', nodePort: 0 },
  ]);
  assert.equal(desired.targets, targets);
  assert.deepEqual(desired.healthCheck, { kind: 'TrafficPort' });
  assert.equal(desired.scheme, 'External');
  assert.equal('requestedAddress' in desired, false);
});

test('externalTrafficPolicy Local uses the HTTP health check node port', () => {
  const desired = buildDesired({
    service: service({ ports: [{ port: 80 }], externalTrafficPolicy: 'Local', healthCheckNodePort: 32000 }),
    targets: [],
    clusterName: 'c1',
    interpretation,
  });
  assert.deepEqual(desired.healthCheck, { kind: 'HTTP', port: 32000, path: '/healthz' });
});

test('requested address: provider annotation wins over spec.loadBalancerIP', () => {
  const svc = service({ ports: [{ port: 80 }], loadBalancerIP: '1.2.3.4' });
  assert.equal(
    buildDesired({ service: svc, targets: [], clusterName: 'c', interpretation }).requestedAddress,
    '1.2.3.4',
  );
  assert.equal(
    buildDesired({
      service: svc,
      targets: [],
      clusterName: 'c',
      interpretation: { ...interpretation, requestedAddress: 'eipalloc-1' },
    }).requestedAddress,
    'eipalloc-1',
  );
});

test("the provider's options from interpret are carried as they are; the annotations are not", () => {
  const options = { name: 'custom', crossZone: true };
  const desired = buildDesired({
    service: service({ ports: [{ port: 80 }] }, { 'example.com/lb-name': 'custom' }),
    targets: [],
    clusterName: 'c',
    interpretation: { ...interpretation, options },
  });
  assert.equal(desired.options, options);
  assert.equal('annotations' in desired, false);
});

test('source ranges from spec, else from the upstream annotation', () => {
  assert.deepEqual(
    sourceRangesOf(
      service(
        { loadBalancerSourceRanges: ['10.0.0.0/8'] },
        { 'service.beta.kubernetes.io/load-balancer-source-ranges': '1.0.0.0/8' },
      ),
    ),
    ['10.0.0.0/8'],
  );
  assert.deepEqual(
    sourceRangesOf(
      service({}, { 'service.beta.kubernetes.io/load-balancer-source-ranges': ' 1.0.0.0/8, 2.0.0.0/8 ,' }),
    ),
    ['1.0.0.0/8', '2.0.0.0/8'],
  );
  assert.deepEqual(sourceRangesOf(service({})), []);
});
