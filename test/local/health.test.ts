// Health checks on real sockets: a failing backend is taken out and comes back when healthy.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { test } from 'node:test';
import { eventually } from '../harness/wait.ts';
import {
  commonPort,
  desired,
  makeProvider,
  nodesForFile,
  tcpRequest,
  testPool,
  udpRequest,
  signal,
} from './fixtures.ts';

const setup = nodesForFile(['node-a', 'node-b'], ['127.0.0.21', '127.0.0.22']);
const { nodes } = setup;

function listeners(): { port: number; protocol: 'TCP' | 'UDP'; nodePort: number }[] {
  const nodePort = nodes[0]?.ports.tcp ?? 0;
  return [
    { port: 8080, protocol: 'TCP', nodePort },
    { port: 5353, protocol: 'UDP', nodePort },
  ];
}

async function answeredBy(send: () => Promise<string>, count: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i++) names.push((await send()).split(':')[0] ?? '');
  return names;
}

test('a stopped node is taken out, traffic carries on, and it gets traffic again when back', async () => {
  const nodeB = nodes[1] ?? assert.fail();
  const { provider } = makeProvider({ addressPool: testPool(6), healthCheckIntervalSeconds: 1 }, setup.dir.path);
  try {
    const ip = (await provider.ensure(desired('failover', nodes, listeners()), signal())).ingress[0]?.ip ?? '';
    const tcp = (): Promise<string> => tcpRequest(ip, 8080, 'x');
    const udp = (): Promise<string> => udpRequest(ip, 5353, 'x');
    assert.deepEqual(new Set(await answeredBy(tcp, 4)), new Set(['node-a', 'node-b']));

    await nodeB.stop();
    // Every request is still answered, at once: the proxy retries a refused connection (TCP) or
    // a port-unreachable datagram (UDP) on the other node and takes node-b out.
    assert.deepEqual(new Set(await answeredBy(tcp, 6)), new Set(['node-a']));
    assert.deepEqual(new Set(await answeredBy(udp, 6)), new Set(['node-a']));

    await nodeB.start();
    await eventually(
      async () => {
        assert.ok((await answeredBy(tcp, 4)).includes('node-b'), 'TCP reaches node-b again');
        assert.ok((await answeredBy(udp, 4)).includes('node-b'), 'UDP reaches node-b again');
      },
      { timeoutMs: 15_000, intervalMs: 250, message: 'node-b back in rotation' },
    );
  } finally {
    await provider.close();
    if (!nodeB.running) await nodeB.start();
  }
});

test('an HTTP health check (externalTrafficPolicy: Local) decides which nodes get traffic', async () => {
  const healthPort = await commonPort(['127.0.0.21', '127.0.0.22']);
  const healthy = new Map([
    ['127.0.0.21', true],
    ['127.0.0.22', true],
  ]);
  const servers: Server[] = [];
  for (const host of healthy.keys()) {
    const server = createServer((req, res) => {
      const ok = req.url === '/healthz' && healthy.get(host) === true;
      res.writeHead(ok ? 200 : 503).end();
    });
    await new Promise<void>((resolve) => server.listen(healthPort, host, () => resolve()));
    servers.push(server);
  }
  const { provider } = makeProvider({ addressPool: testPool(7), healthCheckIntervalSeconds: 1 }, setup.dir.path);
  try {
    const lb = desired('local-policy', nodes, listeners(), {
      healthCheck: { kind: 'HTTP', port: healthPort, path: '/healthz' },
    });
    const ip = (await provider.ensure(lb, signal())).ingress[0]?.ip ?? '';
    const tcp = (): Promise<string> => tcpRequest(ip, 8080, 'x');

    healthy.set('127.0.0.22', false);
    await eventually(async () => assert.deepEqual(new Set(await answeredBy(tcp, 4)), new Set(['node-a'])), {
      timeoutMs: 15_000,
      message: 'node-b out after failing /healthz',
    });
    assert.deepEqual(new Set(await answeredBy(() => udpRequest(ip, 5353, 'x'), 4)), new Set(['node-a']));

    healthy.set('127.0.0.22', true);
    await eventually(async () => assert.ok((await answeredBy(tcp, 4)).includes('node-b')), {
      timeoutMs: 15_000,
      message: 'node-b back after passing /healthz',
    });
  } finally {
    await provider.close();
    for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
