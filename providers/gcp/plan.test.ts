import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DesiredLoadBalancer, Listener } from '../../src/provider/contract.ts';
import { PermanentError } from '../../src/provider/errors/index.ts';
import { buildPlan, gcpTargetProblem, parseProviderID } from './plan.ts';
import { parseSpec } from './spec.ts';
import { desiredLoadBalancer } from '../../test/support/desired.ts';

const config = parseSpec({ project: 'my-project', region: 'europe-west1' });

function lb(listeners: Listener[], over: Partial<DesiredLoadBalancer> = {}): DesiredLoadBalancer {
  return desiredLoadBalancer({
    name: 'prod-0123456789abcdef',
    ownership: { clusterName: 'prod', serviceNamespace: 'web', serviceName: 'shop', serviceUID: 'uid-1' },
    listeners,
    ...over,
  });
}
const tcp = (port: number): Listener => ({ port, protocol: 'TCP', nodePort: 30000 + port });
const udp = (port: number): Listener => ({ port, protocol: 'UDP', nodePort: 31000 + port });
const sctp = (port: number): Listener => ({ port, protocol: 'SCTP', nodePort: 32000 });

test('forwarding rules and backend protocol by listener mix', () => {
  const cases: [string, Listener[], DesiredLoadBalancer['scheme'], string[], string][] = [
    ['one TCP rule', [tcp(80), tcp(443)], 'External', ['TCP:80,443'], 'TCP'],
    ['one UDP rule', [udp(53)], 'External', ['UDP:53'], 'UDP'],
    [
      'TCP and UDP: two rules, UNSPECIFIED backend',
      [tcp(80), udp(53)],
      'External',
      ['TCP:80', 'UDP:53'],
      'UNSPECIFIED',
    ],
    ['six ports: allPorts', [1, 2, 3, 4, 5, 6].map(tcp), 'External', ['TCP:all'], 'TCP'],
    ['five ports fit', [1, 2, 3, 4, 5].map(tcp), 'External', ['TCP:1,2,3,4,5'], 'TCP'],
    ['internal SCTP: one L3_DEFAULT rule', [tcp(80), sctp(3868)], 'Internal', ['L3_DEFAULT:all'], 'UNSPECIFIED'],
    ['same port twice (TCP+UDP named ports)', [tcp(53), udp(53)], 'Internal', ['TCP:53', 'UDP:53'], 'UNSPECIFIED'],
  ];
  for (const [name, listeners, scheme, rules, backend] of cases) {
    const plan = buildPlan(lb(listeners, { scheme }), config);
    assert.deepEqual(
      plan.rules.map((r) => `${r.protocol}:${r.allPorts ? 'all' : r.ports.join(',')}`),
      rules,
      name,
    );
    assert.equal(plan.backendProtocol, backend, name);
  }
});

test('external SCTP is refused before any cloud call', () => {
  assert.throws(() => buildPlan(lb([sctp(3868)]), config), PermanentError);
});

test('health check: TCP on the first node port, or HTTP on the health-check node port', () => {
  assert.deepEqual(buildPlan(lb([tcp(80)]), config).healthCheck, { type: 'TCP', port: 30080 });
  const local = buildPlan(lb([tcp(80)], { healthCheck: { kind: 'HTTP', port: 32123, path: '/healthz' } }), config);
  assert.deepEqual(local.healthCheck, { type: 'HTTP', port: 32123, path: '/healthz' });
  assert.deepEqual(local.healthFirewall.allowed, [{ IPProtocol: 'tcp', ports: ['32123'] }]);
});

test('firewalls: source ranges or anywhere; Google probe ranges by scheme', () => {
  const open = buildPlan(lb([tcp(80), udp(53)]), config);
  assert.deepEqual(open.trafficFirewall.sourceRanges, ['0.0.0.0/0']);
  assert.deepEqual(open.trafficFirewall.allowed, [
    { IPProtocol: 'tcp', ports: ['80'] },
    { IPProtocol: 'udp', ports: ['53'] },
  ]);
  assert.equal(open.healthFirewall.sourceRanges.length, 4);
  const internal = buildPlan(lb([tcp(80)], { scheme: 'Internal', sourceRanges: ['10.0.0.0/8'] }), config);
  assert.deepEqual(internal.trafficFirewall.sourceRanges, ['10.0.0.0/8']);
  assert.deepEqual(internal.healthFirewall.sourceRanges, ['130.211.0.0/22', '35.191.0.0/16']);
});

test('targets become zones of instances; other projects, regions and providers are skipped', () => {
  const t = (name: string, providerID?: string) => ({
    nodeName: name,
    ...(providerID ? { providerID } : {}),
    addresses: [],
    labels: {},
  });
  const plan = buildPlan(
    lb([tcp(80)], {
      targets: [
        t('a', 'gce://my-project/europe-west1-b/vm-a'),
        t('b', 'gce://my-project/europe-west1-c/vm-b'),
        t('c', 'gce://my-project/europe-west1-b/vm-c'),
        t('d', 'gce://other-project/europe-west1-b/vm-d'),
        t('e', 'gce://my-project/us-east1-b/vm-e'),
        t('f', 'aws:///us-east-1a/i-1'),
        t('g'),
      ],
    }),
    config,
  );
  assert.deepEqual(Object.fromEntries(plan.zones), { 'europe-west1-b': ['vm-a', 'vm-c'], 'europe-west1-c': ['vm-b'] });
  assert.deepEqual(
    plan.skippedTargets.map((s) => `${s.nodeName}: ${s.kind}`),
    ['d: elsewhere', 'e: elsewhere', 'f: elsewhere', 'g: noProviderID'],
  );
  assert.equal(parseProviderID('gce://p/z'), undefined);
  const kinds = ['gce://p/z', 'gce://my-project/europe-west1-b/vm-a', undefined].map(
    (id) => gcpTargetProblem(t('x', id), config)?.kind,
  );
  assert.deepEqual(kinds, ['malformedProviderID', undefined, 'noProviderID']);
  assert.equal(
    gcpTargetProblem(t('d', 'gce://other-project/europe-west1-b/vm-d'), config)?.reason,
    'instance vm-d is in project other-project, not my-project',
  );
});
