import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DesiredLoadBalancer, Listener, Target } from '../../src/provider/contract.ts';
import { PermanentError } from '../../src/provider/errors/index.ts';
import { diffPlans, isNoop } from './diff.ts';
import {
  listenerKey,
  localTargetProblem,
  planProxies,
  probeId,
  summarizePlan,
  targetHost,
  unreachableTargets,
} from './plan.ts';
import { desiredLoadBalancer } from '../../test/support/desired.ts';

function node(name: string, addresses: Target['addresses']): Target {
  return { nodeName: name, addresses, labels: {} };
}

function desired(overrides: Partial<DesiredLoadBalancer> = {}): DesiredLoadBalancer {
  return desiredLoadBalancer({
    name: 'demo-abc123',
    ownership: { clusterName: 'demo', serviceNamespace: 'ns', serviceName: 'web', serviceUID: 'uid-1' },
    listeners: [
      { port: 80, protocol: 'TCP', nodePort: 30080 },
      { port: 53, protocol: 'UDP', nodePort: 30053 },
    ],
    targets: [
      node('node-b', [{ type: 'InternalIP', address: '127.0.0.12' }]),
      node('node-a', [{ type: 'InternalIP', address: '127.0.0.11' }]),
    ],
    ...overrides,
  });
}

test('targetHost prefers InternalIP, IPv4 first, then ExternalIP', () => {
  const table: [Target['addresses'], string | undefined][] = [
    [
      [
        { type: 'InternalIP', address: '10.0.0.1' },
        { type: 'ExternalIP', address: '1.2.3.4' },
      ],
      '10.0.0.1',
    ],
    [
      [
        { type: 'ExternalIP', address: '1.2.3.4' },
        { type: 'Hostname', address: 'n1' },
      ],
      '1.2.3.4',
    ],
    [
      [
        { type: 'InternalIP', address: 'fd00::1' },
        { type: 'InternalIP', address: '10.0.0.2' },
      ],
      '10.0.0.2',
    ],
    [[{ type: 'InternalIP', address: 'fd00::1' }], 'fd00::1'],
    [[{ type: 'Hostname', address: 'n1' }], undefined],
  ];
  for (const [addresses, expected] of table) assert.equal(targetHost(node('n', addresses)), expected);
});

test('planProxies: listeners sorted, backends by node name, traffic-port probes per protocol', () => {
  const plan = planProxies(desired(), '127.77.0.9');
  assert.equal(plan.address, '127.77.0.9');
  assert.deepEqual(plan.listeners.map(listenerKey), ['53/UDP', '80/TCP']);
  const [udp, tcp] = plan.listeners;
  assert.deepEqual(
    udp?.backends.map((b) => [b.nodeName, b.host, b.port, probeId(b.probe)]),
    [
      ['node-a', '127.0.0.11', 30053, 'udp://127.0.0.11:30053'],
      ['node-b', '127.0.0.12', 30053, 'udp://127.0.0.12:30053'],
    ],
  );
  assert.deepEqual(
    tcp?.backends.map((b) => probeId(b.probe)),
    ['tcp://127.0.0.11:30080', 'tcp://127.0.0.12:30080'],
  );
});

test('planProxies: an HTTP health check is shared by all listeners of a node', () => {
  const plan = planProxies(desired({ healthCheck: { kind: 'HTTP', port: 32000, path: '/healthz' } }), '127.77.0.9');
  const ids = new Set(plan.listeners.flatMap((l) => l.backends.map((b) => probeId(b.probe))));
  assert.deepEqual([...ids].sort(), ['http://127.0.0.11:32000/healthz', 'http://127.0.0.12:32000/healthz']);
});

test('planProxies: nodes without an IP are skipped; source ranges sorted and deduplicated', () => {
  const plan = planProxies(
    desired({
      targets: [
        node('no-ip', [{ type: 'Hostname', address: 'x' }]),
        node('n1', [{ type: 'ExternalIP', address: '127.0.0.30' }]),
      ],
      sourceRanges: ['127.0.0.0/8', '10.0.0.0/8', '127.0.0.0/8'],
    }),
    '127.77.0.9',
  );
  assert.deepEqual(
    plan.listeners[0]?.backends.map((b) => b.nodeName),
    ['n1'],
  );
  assert.deepEqual(plan.sourceRanges, ['10.0.0.0/8', '127.0.0.0/8']);
});

test('localTargetProblem: a node needs an InternalIP or ExternalIP; the others are named', () => {
  const table: [string, Parameters<typeof node>[1], string | undefined][] = [
    ['internal', [{ type: 'InternalIP', address: '127.0.0.30' }], undefined],
    ['external', [{ type: 'ExternalIP', address: '127.0.0.31' }], undefined],
    ['hostname only', [{ type: 'Hostname', address: 'x' }], 'noAddress'],
    ['none', [], 'noAddress'],
  ];
  for (const [name, addresses, kind] of table)
    assert.equal(localTargetProblem(node(name, addresses))?.kind, kind, name);
  assert.deepEqual(unreachableTargets([node('a', []), node('b', [{ type: 'InternalIP', address: '127.0.0.2' }])]), [
    { nodeName: 'a', kind: 'noAddress', reason: 'no InternalIP or ExternalIP address' },
  ]);
});

test('planProxies refuses what it cannot carry', () => {
  const table: [Listener, string][] = [
    [{ port: 9999, protocol: 'SCTP', nodePort: 30999 }, 'spec.ports'],
    [{ port: 80, protocol: 'TCP', nodePort: 0 }, 'spec.allocateLoadBalancerNodePorts'],
  ];
  for (const [listener, field] of table) {
    assert.throws(
      () => planProxies(desired({ listeners: [listener] }), '127.77.0.9'),
      (e: unknown) => e instanceof PermanentError && e.field === field,
    );
  }
});

test('planProxies: a port without a node port goes to its endpoints; the others still to node ports', () => {
  const plan = planProxies(
    desired({
      listeners: [
        {
          port: 80,
          protocol: 'TCP',
          nodePort: 0,
          endpoints: [
            { address: '127.0.0.21', port: 8080 },
            { address: '127.0.0.22', port: 8080 },
          ],
        },
        { port: 53, protocol: 'UDP', nodePort: 0, endpoints: [{ address: '127.0.0.21', port: 5353 }] },
        { port: 443, protocol: 'TCP', nodePort: 30443 },
      ],
    }),
    '127.77.0.9',
  );
  assert.deepEqual(
    plan.listeners.map((l) => [listenerKey(l), l.backends.map((b) => `${b.nodeName ?? 'pod'} ${probeId(b.probe)}`)]),
    [
      ['53/UDP', ['pod udp://127.0.0.21:5353']],
      ['80/TCP', ['pod tcp://127.0.0.21:8080', 'pod tcp://127.0.0.22:8080']],
      ['443/TCP', ['node-a tcp://127.0.0.11:30443', 'node-b tcp://127.0.0.12:30443']],
    ],
  );
  assert.equal(
    summarizePlan(plan),
    'local proxy on 127.77.0.9 with listeners 53/UDP, 80/TCP, 443/TCP to 2 nodes and 3 endpoints',
  );
  const noneReady = planProxies(
    desired({ listeners: [{ port: 80, protocol: 'TCP', nodePort: 0, endpoints: [] }] }),
    '127.77.0.9',
  );
  assert.deepEqual(noneReady.listeners[0]?.backends, [], 'no ready endpoint: the listener stays, with no backend');
});

test('diffPlans table', () => {
  const base = planProxies(desired(), '127.77.0.9');
  const cases: { name: string; next: DesiredLoadBalancer; address?: string; expect: Record<string, unknown> }[] = [
    { name: 'same', next: desired(), expect: { noop: true } },
    {
      name: 'port added',
      next: desired({ listeners: [...desired().listeners, { port: 443, protocol: 'TCP', nodePort: 30443 }] }),
      expect: { open: ['443/TCP'], close: [], retarget: [] },
    },
    {
      name: 'port removed',
      next: desired({ listeners: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] }),
      expect: { open: [], close: ['53/UDP'], retarget: [] },
    },
    {
      name: 'node removed',
      next: desired({ targets: [node('node-a', [{ type: 'InternalIP', address: '127.0.0.11' }])] }),
      expect: { open: [], close: [], retarget: ['53/UDP', '80/TCP'] },
    },
    {
      name: 'node port changed',
      next: desired({
        listeners: [
          { port: 80, protocol: 'TCP', nodePort: 31111 },
          { port: 53, protocol: 'UDP', nodePort: 30053 },
        ],
      }),
      expect: { open: [], close: [], retarget: ['80/TCP'] },
    },
    { name: 'source ranges', next: desired({ sourceRanges: ['127.0.0.1/32'] }), expect: { sourceRangesChanged: true } },
    {
      name: 'address moved',
      next: desired(),
      address: '127.77.0.10',
      expect: { readdress: true, open: ['53/UDP', '80/TCP'], close: ['53/UDP', '80/TCP'] },
    },
  ];
  for (const c of cases) {
    const diff = diffPlans(base, planProxies(c.next, c.address ?? '127.77.0.9'));
    const view: Record<string, unknown> = {
      noop: isNoop(diff),
      readdress: diff.readdress,
      open: diff.open.map(listenerKey),
      close: diff.close.map(listenerKey),
      retarget: diff.retarget.map(listenerKey),
      sourceRangesChanged: diff.sourceRangesChanged,
    };
    for (const [key, value] of Object.entries(c.expect)) assert.deepEqual(view[key], value, `${c.name}: ${key}`);
  }
  assert.deepEqual(diffPlans(undefined, base).open.map(listenerKey), ['53/UDP', '80/TCP']);
});

test('summarizePlan reads as a sentence', () => {
  assert.equal(
    summarizePlan(planProxies(desired({ sourceRanges: ['127.0.0.0/8'] }), '127.77.0.9')),
    'local proxy on 127.77.0.9 with listeners 53/UDP, 80/TCP to 2 nodes, allowing only 127.0.0.0/8',
  );
});
