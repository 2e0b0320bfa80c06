import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { silentLogger } from '../log.ts';
import { FULL_CAPABILITIES, TestCloud, testProviderFactory } from '../../test/support/test-provider.ts';
import type { Capabilities } from '../provider/contract.ts';
import { FINALIZER, PROVIDER_ANNOTATION } from './constants.ts';
import type { LastEnsure } from './memo.ts';
import { planEnsure, type Plan, type PlanInput } from './plan.ts';
import type { ProviderLookup } from './provider-handle.ts';

function ready(capabilities: Capabilities = FULL_CAPABILITIES, instanceId = 1): ProviderLookup {
  const provider = testProviderFactory(new TestCloud({ capabilities }))(
    {},
    { providerName: 'p', clusterName: 'c', credentials: undefined, log: silentLogger(), countCall: () => undefined },
  );
  return { state: 'ready', handle: { name: 'p', type: 'local', instanceId, provider, capabilities } };
}

function deletingProvider(): ProviderLookup {
  const lookup = ready();
  assert.ok(lookup.state === 'ready');
  return { ...lookup, deleting: true };
}

function service(options: { claimed?: boolean; annotations?: Record<string, string>; ports?: number } = {}): V1Service {
  return {
    metadata: {
      namespace: 'n',
      name: 's',
      uid: 'uid-1',
      ...(options.claimed ? { finalizers: [FINALIZER] } : {}),
      annotations: { ...options.annotations, ...(options.claimed ? { [PROVIDER_ANNOTATION]: 'p' } : {}) },
    },
    spec: {
      type: 'LoadBalancer',
      ports: [
        { port: 80, protocol: 'TCP', nodePort: 30080 },
        { port: 9, protocol: 'SCTP', nodePort: 30009 },
      ].slice(0, options.ports ?? 1),
    },
  };
}

const targets = [{ nodeName: 'n1', addresses: [], labels: {} }];
const tcpOnly: Capabilities = {
  ...FULL_CAPABILITIES,
  schemes: { External: { protocols: ['TCP'] }, Internal: undefined },
};

function plan(overrides: Partial<PlanInput> = {}): Plan {
  return planEnsure({
    service: service(),
    providerName: 'p',
    lookup: ready(),
    targets,
    clusterName: 'c',
    last: undefined,
    endpointSlices: () => [],
    ...overrides,
  });
}

/** The verdict a first successful ensure of `input` leaves behind. */
function settledAfter(input: Partial<PlanInput>, outcome: 'ok' | 'permanent' = 'ok'): LastEnsure {
  const first = plan(input);
  assert.ok(first.kind === 'ensure' || first.kind === 'refuse');
  const status = { ready: { status: 'True', reason: 'Ensured', message: 'Serving' } as const };
  return { kind: 'settled', request: first.request, outcome, status };
}

function summary(p: Plan): string {
  switch (p.kind) {
    case 'wait':
      return `wait: ${p.ready.message}`;
    case 'pending':
      return 'pending';
    case 'unchanged':
      return `unchanged: ${p.last.outcome}`;
    case 'refuse':
      return `refuse (${p.why}): ${p.ready.reason}${p.warning ? ' + warning' : ''}`;
    case 'ensure':
      return `ensure (${p.why}): ${p.lb.listeners.map((l) => `${l.port}/${l.protocol}`).join(',')}${p.claim ? ' + claim' : ''}`;
  }
}

test('planEnsure: wait, refuse, ensure or nothing to do', () => {
  const claimed = service({ claimed: true });
  const badAnnotation = service({ annotations: { 'test.cloudlb.dev/scheme': 'Sideways' } });
  const table: [string, Partial<PlanInput>, string][] = [
    ['provider missing', { lookup: { state: 'missing' } }, 'wait: LoadBalancerProvider p does not exist'],
    [
      'provider not ready',
      { lookup: { state: 'notReady', message: 'Secret s lacks key k' } },
      'wait: LoadBalancerProvider p is not ready: Secret s lacks key k',
    ],
    ['first time', {}, 'ensure (neverEnsured): 80/TCP + claim'],
    [
      'provider being deleted: no new Service',
      { lookup: deletingProvider() },
      'wait: LoadBalancerProvider p is being deleted: it serves the Services it has, and takes no new one',
    ],
    [
      'provider being deleted: its own Services are still served',
      { service: claimed, lookup: deletingProvider() },
      'ensure (neverEnsured): 80/TCP',
    ],
    ['claimed already', { service: claimed }, 'ensure (neverEnsured): 80/TCP'],
    [
      'a port the provider cannot carry is left out',
      { service: service({ ports: 2 }), lookup: ready(tcpOnly) },
      'ensure (neverEnsured): 80/TCP + claim',
    ],
    ['bad annotation', { service: badAnnotation }, 'refuse (neverEnsured): InvalidSpec + warning'],
    ['unchanged', { service: claimed, last: settledAfter({ service: claimed }) }, 'unchanged: ok'],
    [
      'a target joined',
      { service: claimed, last: settledAfter({ service: claimed, targets: [] }) },
      'ensure (desiredChanged: targets): 80/TCP',
    ],
    [
      'provider rebuilt',
      { service: claimed, lookup: ready(FULL_CAPABILITIES, 2), last: settledAfter({ service: claimed }) },
      'ensure (providerRebuilt): 80/TCP',
    ],
    [
      'still refused',
      { service: badAnnotation, last: settledAfter({ service: badAnnotation }, 'permanent') },
      'unchanged: permanent',
    ],
    ['after a transient failure', { service: claimed, last: { kind: 'failed' } }, 'ensure (lastFailed): 80/TCP'],
  ];
  for (const [name, input, expected] of table) assert.equal(summary(plan(input)), expected, name);
});

test('planEnsure: the request remembers every port; the call carries only those the provider can', () => {
  const p = plan({ service: service({ ports: 2 }), lookup: ready(tcpOnly) });
  assert.equal(p.kind, 'ensure');
  if (p.kind !== 'ensure') return;
  assert.deepEqual(
    p.request.desired.listeners.map((l) => l.port),
    [80, 9],
  );
  assert.deepEqual(
    p.request.validation.refused.map((r) => r.port),
    [9],
  );
  assert.deepEqual(
    p.lb.listeners.map((l) => l.port),
    [80],
  );
  assert.equal(p.lb.targets, targets, 'the targets given, not a copy');
});

const endpointCaps: Capabilities = { ...FULL_CAPABILITIES, needsNodePorts: false, endpointTargets: true };

function withoutNodePorts(ports: { name: string; port: number; protocol: string; nodePort?: number }[]): V1Service {
  const base = service({ claimed: true });
  return { ...base, spec: { ...base.spec, allocateLoadBalancerNodePorts: false, ports } };
}

function slice(
  ports: { name?: string; port: number; protocol?: string }[],
  endpoints: [string, { ready?: boolean; serving?: boolean; terminating?: boolean }][],
  addressType = 'IPv4',
): V1EndpointSlice {
  return {
    addressType,
    metadata: { name: `s-${Math.random()}`, labels: { 'kubernetes.io/service-name': 's' } },
    ports,
    endpoints: endpoints.map(([address, conditions]) => ({ addresses: [address], conditions })),
  };
}

const noSlicesExpected = (): never => {
  throw new Error('EndpointSlices read for a Service that needs none');
};

test('planEnsure: a port without a node port carries the ready endpoints of the slice port of its name', () => {
  const svc = withoutNodePorts([
    { name: 'http', port: 80, protocol: 'TCP' },
    { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 },
  ]);
  const slices = [
    slice(
      [
        { name: 'http', port: 8080, protocol: 'TCP' },
        { name: 'dns', port: 5353, protocol: 'UDP' },
      ],
      [
        ['10.0.0.2', { ready: true }],
        ['10.0.0.3', { ready: false, serving: false }],
        ['10.0.0.1', {}],
        ['10.0.0.4', { ready: false, serving: true, terminating: true }],
      ],
    ),
    slice([{ name: 'http', port: 8080, protocol: 'TCP' }], [['10.0.0.5', { ready: true }]]),
    slice([{ name: 'other', port: 9000 }], [['10.0.0.6', { ready: true }]]),
    slice([{ name: 'http', port: 8080, protocol: 'UDP' }], [['10.0.0.7', { ready: true }]]),
    slice([{ name: 'http', port: 8080, protocol: 'TCP' }], [['pod.example', { ready: true }]], 'FQDN'),
  ];
  const p = plan({ service: svc, lookup: ready(endpointCaps), endpointSlices: () => slices });
  assert.equal(p.kind, 'ensure');
  if (p.kind !== 'ensure') return;
  assert.deepEqual(
    p.lb.listeners.map((l) => [l.port, l.nodePort, l.endpoints?.map((e) => `${e.address}:${e.port}`)]),
    [
      [80, 0, ['10.0.0.1:8080', '10.0.0.2:8080', '10.0.0.5:8080']],
      [53, 30053, undefined],
    ],
  );
});

test('planEnsure: endpoint targets wait for the slice cache, and a slice change is a change', () => {
  const svc = withoutNodePorts([{ name: 'http', port: 80, protocol: 'TCP' }]);
  const lookup = ready(endpointCaps);
  assert.equal(summary(plan({ service: svc, lookup, endpointSlices: () => undefined })), 'pending');
  const before = [slice([{ name: 'http', port: 8080 }], [['10.0.0.1', { ready: true }]])];
  const after = [slice([{ name: 'http', port: 8080 }], [['10.0.0.1', { ready: false }]])];
  const last = settledAfter({ service: svc, lookup, endpointSlices: () => before });
  assert.equal(summary(plan({ service: svc, lookup, last, endpointSlices: () => before })), 'unchanged: ok');
  assert.equal(
    summary(plan({ service: svc, lookup, last, endpointSlices: () => after })),
    'ensure (desiredChanged: listeners): 80/TCP',
  );
});

test('planEnsure: slices are read only for a port without a node port on a provider with endpoint targets', () => {
  const withNodePorts = service({ claimed: true });
  assert.equal(
    summary(plan({ service: withNodePorts, lookup: ready(endpointCaps), endpointSlices: noSlicesExpected })),
    'ensure (neverEnsured): 80/TCP',
  );
  const p = plan({
    service: withoutNodePorts([{ name: 'http', port: 80, protocol: 'TCP' }]),
    endpointSlices: noSlicesExpected,
  });
  assert.equal(summary(p), 'refuse (neverEnsured): InvalidSpec + warning', 'node ports needed: refused as before');
  assert.ok(p.kind === 'refuse');
  assert.deepEqual(
    p.request.validation.refused.map((r) => [r.port, r.error]),
    [[80, 'cloudlb.dev/NodePortRequired']],
  );
  assert.equal(p.request.desired.listeners[0]?.endpoints, undefined);
});
