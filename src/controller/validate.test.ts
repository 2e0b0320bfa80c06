import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Service } from '@kubernetes/client-node';
import type { Capabilities, DesiredLoadBalancer, Listener } from '../provider/contract.ts';
import { validate, withProviderRefusals } from './validate.ts';
import { desiredLoadBalancer } from '../../test/support/desired.ts';

const aws: Capabilities = {
  schemes: { External: { protocols: ['TCP', 'UDP'] }, Internal: { protocols: ['TCP', 'UDP'] } },
  mixedProtocols: true,
  addressKind: 'Hostname',
  sourceRanges: true,
  staticAddress: true,
  needsNodePorts: true,
  endpointTargets: false,
  addressFamilies: ['IPv4'],
  maxListeners: 50,
};
const { maxListeners: _limit, ...unlimited } = aws;
const provider = { name: 'aws', type: 'aws' };
const svc: V1Service = { metadata: { name: 's', namespace: 'n' }, spec: { type: 'LoadBalancer' } };

function desired(listeners: Listener[], extra: Partial<DesiredLoadBalancer> = {}): DesiredLoadBalancer {
  return desiredLoadBalancer({
    name: 'c-1',
    ownership: { clusterName: 'c', serviceNamespace: 'n', serviceName: 's', serviceUID: 'u' },
    listeners,
    ...extra,
  });
}
const tcp80 = { port: 80, protocol: 'TCP', nodePort: 30080 } as const;
const udp53 = { port: 53, protocol: 'UDP', nodePort: 30053 } as const;
const sctp9999 = { port: 9999, protocol: 'SCTP', nodePort: 30999 } as const;
const manyPorts = (count: number): Listener[] =>
  Array.from({ length: count }, (_, i) => ({ port: 1000 + i, protocol: 'TCP', nodePort: 31000 + i }));
const noProblems = { scheme: 'External' as const, options: undefined, problems: [] };

test('SCTP is refused on its own port; the other ports are served', () => {
  const v = validate({
    service: svc,
    desired: desired([tcp80, udp53, sctp9999]),
    capabilities: aws,
    interpretation: noProblems,
    provider,
  });
  assert.deepEqual(v.listeners, [tcp80, udp53]);
  assert.deepEqual(v.refused, [
    {
      port: 9999,
      protocol: 'SCTP',
      error: 'cloudlb.dev/ProtocolNotSupported',
      message: 'port 9999/SCTP refused: provider aws (aws) carries TCP, UDP on External',
    },
  ]);
  assert.deepEqual(v.problems, []);
});

test('table: capabilities × listeners', () => {
  const cases: Array<{
    name: string;
    caps: Capabilities;
    d: DesiredLoadBalancer;
    listeners: number[];
    errors: string[];
    problemFields: string[];
  }> = [
    { name: 'all fine', caps: aws, d: desired([tcp80, udp53]), listeners: [80, 53], errors: [], problemFields: [] },
    {
      name: 'mixed protocols not supported keeps the first protocol',
      caps: { ...aws, mixedProtocols: false },
      d: desired([tcp80, udp53]),
      listeners: [80],
      errors: ['cloudlb.dev/MixedProtocolNotSupported'],
      problemFields: [],
    },
    {
      name: 'no node ports with a provider that needs them',
      caps: aws,
      d: desired([{ ...tcp80, nodePort: 0 }]),
      listeners: [],
      errors: ['cloudlb.dev/NodePortRequired'],
      problemFields: ['spec.ports'],
    },
    {
      name: 'no node ports, provider does not need them',
      caps: { ...aws, needsNodePorts: false },
      d: desired([{ ...tcp80, nodePort: 0 }]),
      listeners: [80],
      errors: [],
      problemFields: [],
    },
    {
      name: 'only SCTP',
      caps: aws,
      d: desired([sctp9999]),
      listeners: [],
      errors: ['cloudlb.dev/ProtocolNotSupported'],
      problemFields: ['spec.ports'],
    },
    {
      name: 'SCTP on internal only',
      caps: { ...aws, schemes: { External: { protocols: ['TCP'] }, Internal: { protocols: ['TCP', 'UDP', 'SCTP'] } } },
      d: desired([sctp9999], { scheme: 'Internal' }),
      listeners: [9999],
      errors: [],
      problemFields: [],
    },
    {
      name: 'scheme missing',
      caps: { ...aws, schemes: { External: { protocols: ['TCP'] }, Internal: undefined } },
      d: desired([tcp80], { scheme: 'Internal' }),
      listeners: [],
      errors: ['cloudlb.dev/ProtocolNotSupported'],
      problemFields: ['spec.loadBalancerClass'],
    },
    {
      name: 'source ranges unsupported',
      caps: { ...aws, sourceRanges: false },
      d: desired([tcp80], { sourceRanges: ['10.0.0.0/8'] }),
      listeners: [80],
      errors: [],
      problemFields: ['metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]'],
    },
    {
      name: 'bad CIDR',
      caps: aws,
      d: desired([tcp80], { sourceRanges: ['10.0.0.0/33', 'x'] }),
      listeners: [80],
      errors: [],
      problemFields: ['metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]'],
    },
    {
      name: 'static address unsupported',
      caps: { ...aws, staticAddress: false },
      d: desired([tcp80], { requestedAddress: '1.2.3.4' }),
      listeners: [80],
      errors: [],
      problemFields: ['spec.loadBalancerIP'],
    },
    { name: 'no ports', caps: aws, d: desired([]), listeners: [], errors: [], problemFields: ['spec.ports'] },
    {
      name: 'requested address is not an IP',
      caps: aws,
      d: desired([tcp80], { requestedAddress: 'my-lb.example.com' }),
      listeners: [80],
      errors: [],
      problemFields: ['spec.loadBalancerIP'],
    },
    {
      name: 'requested address of a family the provider cannot serve',
      caps: aws,
      d: desired([tcp80], { requestedAddress: '2001:db8::1' }),
      listeners: [80],
      errors: [],
      problemFields: ['spec.loadBalancerIP'],
    },
    {
      name: 'requested IPv6 address where IPv6 is served',
      caps: { ...aws, addressFamilies: ['IPv4', 'IPv6'] },
      d: desired([tcp80], { requestedAddress: '2001:db8::1' }),
      listeners: [80],
      errors: [],
      problemFields: [],
    },
    {
      name: 'exactly the listener limit',
      caps: aws,
      d: desired(manyPorts(50)),
      listeners: manyPorts(50).map((l) => l.port),
      errors: [],
      problemFields: [],
    },
    {
      name: 'one listener over the limit',
      caps: aws,
      d: desired(manyPorts(51)),
      listeners: manyPorts(51).map((l) => l.port),
      errors: [],
      problemFields: ['spec.ports'],
    },
    {
      name: 'over the limit counting only the carried ports',
      caps: aws,
      d: desired([...manyPorts(50), sctp9999]),
      listeners: manyPorts(50).map((l) => l.port),
      errors: ['cloudlb.dev/ProtocolNotSupported'],
      problemFields: [],
    },
    {
      name: 'no listener limit',
      caps: unlimited,
      d: desired(manyPorts(200)),
      listeners: manyPorts(200).map((l) => l.port),
      errors: [],
      problemFields: [],
    },
  ];
  for (const c of cases) {
    const v = validate({
      service: svc,
      desired: c.d,
      capabilities: c.caps,
      interpretation: { scheme: c.d.scheme, options: undefined, problems: [] },
      provider,
    });
    assert.deepEqual(
      v.listeners.map((l) => l.port),
      c.listeners,
      c.name,
    );
    assert.deepEqual(
      v.refused.map((r) => r.error),
      c.errors,
      c.name,
    );
    assert.deepEqual(
      v.problems.map((p) => p.field),
      c.problemFields,
      c.name,
    );
  }
});

test("the provider's interpretation problems stop the Service", () => {
  const problem = { field: 'metadata.annotations[x]', message: 'x must be a or b.' };
  const v = validate({
    service: svc,
    desired: desired([tcp80]),
    capabilities: aws,
    interpretation: { scheme: 'External', options: undefined, problems: [problem] },
    provider,
  });
  assert.deepEqual(v.problems, [problem]);
});

test('source ranges in spec are named as the spec field', () => {
  const s: V1Service = { ...svc, spec: { loadBalancerSourceRanges: ['nope'] } };
  const v = validate({
    service: s,
    desired: desired([tcp80], { sourceRanges: ['nope'] }),
    capabilities: aws,
    interpretation: noProblems,
    provider,
  });
  assert.equal(v.problems[0]?.field, 'spec.loadBalancerSourceRanges');
});

test('the refusal of spec.loadBalancerIP names the value and what is allowed', () => {
  const check = (requested: string) =>
    validate({
      service: { ...svc, spec: { loadBalancerIP: requested } },
      desired: desired([tcp80], { requestedAddress: requested }),
      capabilities: aws,
      interpretation: noProblems,
      provider,
    }).problems;
  assert.deepEqual(check('not-an-ip'), [
    { field: 'spec.loadBalancerIP', message: '"not-an-ip" is not an IP address such as 203.0.113.10.' },
  ]);
  assert.deepEqual(check('fd00::1'), [
    { field: 'spec.loadBalancerIP', message: 'fd00::1 is an IPv6 address; provider aws (aws) serves IPv4 addresses.' },
  ]);
  assert.deepEqual(check('203.0.113.10'), []);
});

test("an address from the provider's own annotation is left to the provider", () => {
  const v = validate({
    service: svc,
    desired: desired([tcp80], { requestedAddress: 'eipalloc-0abc' }),
    capabilities: aws,
    interpretation: { ...noProblems, requestedAddress: 'eipalloc-0abc' },
    provider,
  });
  assert.deepEqual(v.problems, []);
});

test('a listener the provider refused while ensuring moves from served to refused, with its reason', () => {
  const before = validate({
    service: svc,
    desired: desired([tcp80, udp53, sctp9999]),
    capabilities: aws,
    interpretation: noProblems,
    provider,
  });
  const after = withProviderRefusals(
    before,
    [{ port: 53, protocol: 'UDP', reason: 'ports below 1024 need root' }],
    provider,
  );
  assert.deepEqual(after.listeners, [tcp80]);
  assert.deepEqual(
    after.refused.map((r) => [r.port, r.protocol, r.error]),
    [
      [9999, 'SCTP', 'cloudlb.dev/ProtocolNotSupported'],
      [53, 'UDP', 'cloudlb.dev/PortNotPermitted'],
    ],
  );
  assert.equal(after.refused[1]?.message, 'port 53/UDP refused by provider aws (aws): ports below 1024 need root');
  assert.equal(withProviderRefusals(before, [], provider), before, 'no refusal: the same validation');
});
