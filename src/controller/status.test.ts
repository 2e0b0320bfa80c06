import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Service } from '@kubernetes/client-node';
import { conditionFor, loadBalancerStatus, statusPatch } from './status.ts';
import type { RefusedPort } from './validate.ts';

const ports = [
  { port: 80, protocol: 'TCP' as const },
  { port: 9999, protocol: 'SCTP' as const },
];
const refused: RefusedPort[] = [
  { port: 9999, protocol: 'SCTP', error: 'cloudlb.dev/ProtocolNotSupported', message: 'm' },
];

test('ingress lists every port with an error on refused ones; ipMode VIP only with ip', () => {
  assert.deepEqual(loadBalancerStatus([{ ip: '10.0.0.1' }], ports, refused), {
    ingress: [
      {
        ip: '10.0.0.1',
        ipMode: 'VIP',
        ports: [
          { port: 80, protocol: 'TCP' },
          { port: 9999, protocol: 'SCTP', error: 'cloudlb.dev/ProtocolNotSupported' },
        ],
      },
    ],
  });
  assert.deepEqual(loadBalancerStatus([{ hostname: 'a.example', ipMode: 'VIP' }], ports, []), {
    ingress: [
      {
        hostname: 'a.example',
        ports: [
          { port: 80, protocol: 'TCP' },
          { port: 9999, protocol: 'SCTP' },
        ],
      },
    ],
  });
  assert.deepEqual(loadBalancerStatus([{ ip: '10.0.0.1', ipMode: 'Proxy' }], [], [])?.ingress?.[0]?.ipMode, 'Proxy');
  assert.deepEqual(loadBalancerStatus([], ports, []), {});
});

test('a status already shown is not patched again; a changed one is', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const bare: V1Service = { metadata: { generation: 2 }, status: {} };
  const lb = loadBalancerStatus([{ ip: '10.0.0.1' }], ports, refused);
  const condition = conditionFor(bare, { status: 'True', reason: 'PortsRefused', message: 'x' }, now);
  const patch = statusPatch(bare, { loadBalancer: lb, condition });
  assert.deepEqual(patch, { loadBalancer: lb, conditions: [condition] });

  const shown: V1Service = {
    metadata: { generation: 2 },
    status: {
      loadBalancer: structuredClone(lb),
      conditions: [{ ...condition, lastTransitionTime: '2026-01-01T00:00:00Z' as unknown as Date }],
    },
  };
  const later = conditionFor(
    shown,
    { status: 'True', reason: 'PortsRefused', message: 'x' },
    new Date('2027-01-01T00:00:00Z'),
  );
  assert.equal(later.lastTransitionTime, '2026-01-01T00:00:00Z', 'transition time kept while status holds');
  assert.equal(statusPatch(shown, { loadBalancer: lb, condition: later }), undefined);

  const flipped = conditionFor(shown, { status: 'False', reason: 'SyncFailed', message: 'y' }, now);
  assert.equal(flipped.lastTransitionTime, now);
  assert.deepEqual(statusPatch(shown, { loadBalancer: lb, condition: flipped }), { conditions: [flipped] });
  assert.deepEqual(
    statusPatch(shown, { loadBalancer: loadBalancerStatus([{ ip: '10.0.0.2' }], ports, refused) })?.loadBalancer
      ?.ingress?.[0]?.ip,
    '10.0.0.2',
  );
});
