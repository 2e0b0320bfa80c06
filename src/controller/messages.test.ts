import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensuredMessage, refusedWarning } from './messages.ts';
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
