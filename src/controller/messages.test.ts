import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SkippedTarget } from '../provider/contract.ts';
import { ensuredMessage, noNodesMessage, notTargetsSentence, readyMessage, refusedWarning } from './messages.ts';
import type { RefusedPort } from './validate.ts';

const refused: RefusedPort[] = [
  {
    port: 9999,
    protocol: 'SCTP',
    error: 'cloudlb.dev/ProtocolNotSupported',
    message: 'port 9999/SCTP refused: provider aws (aws) carries TCP, UDP on External',
  },
];
const listeners = [
  { port: 80, protocol: 'TCP' as const, nodePort: 30080 },
  { port: 53, protocol: 'UDP' as const, nodePort: 30053 },
];

test('ensured message names listeners, nodes and refused ports', () => {
  assert.equal(
    ensuredMessage('Ensured', { ingress: [{ ip: '10.0.0.7' }], summary: '', changed: true }, listeners, refused, 3),
    'Ensured load balancer 10.0.0.7 with listeners 80/TCP, 53/UDP on 3 nodes; port 9999/SCTP refused: provider aws (aws) carries TCP, UDP on External.',
  );
});

test('refused warning is a sentence naming what is still served', () => {
  assert.equal(
    refusedWarning(refused, listeners),
    'Port 9999/SCTP refused: provider aws (aws) carries TCP, UDP on External. Still serving 80/TCP, 53/UDP.',
  );
});

const notTarget = (nodeName: string, reason: string): SkippedTarget => ({ nodeName, kind: 'noProviderID', reason });

test('not-targets sentence: one, several, and a capped list with "and N more"', () => {
  const many = Array.from({ length: 8 }, (_, i) => notTarget(`node-${i}`, 'no spec.providerID'));
  const table: [SkippedTarget[], string][] = [
    [[notTarget('node-a', 'no spec.providerID')], '1 node is not a target: node-a (no spec.providerID)'],
    [
      [notTarget('node-a', 'no spec.providerID'), notTarget('node-b', 'instance i-123 does not exist')],
      '2 nodes are not targets: node-a (no spec.providerID), node-b (instance i-123 does not exist)',
    ],
    [
      many,
      '8 nodes are not targets: node-0 (no spec.providerID), node-1 (no spec.providerID), node-2 (no spec.providerID), node-3 (no spec.providerID), node-4 (no spec.providerID) and 3 more',
    ],
  ];
  for (const [skipped, expected] of table) assert.equal(notTargetsSentence(skipped), expected);
});

test('ensured, ready and no-nodes messages name the nodes that are not targets', () => {
  const status = { ingress: [{ ip: '10.0.0.7' }], summary: '', changed: true };
  const left = [notTarget('node-b', 'no spec.providerID')];
  assert.equal(
    ensuredMessage('Updated', status, listeners, [], 2, left),
    'Updated load balancer 10.0.0.7 with listeners 80/TCP, 53/UDP on 2 nodes; 1 node is not a target: node-b (no spec.providerID).',
  );
  assert.equal(
    readyMessage(status, listeners, [], left),
    'Serving 80/TCP, 53/UDP at 10.0.0.7; 1 node is not a target: node-b (no spec.providerID).',
  );
  assert.equal(
    noNodesMessage(1, left),
    'There are no available nodes for LoadBalancer: 1 node is not a target: node-b (no spec.providerID).',
  );
  assert.match(noNodesMessage(3), /all 3 nodes are excluded/);
});
