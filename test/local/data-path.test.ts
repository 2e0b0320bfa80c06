// TCP and UDP through the local provider's load-balancer address, on real loopback sockets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../harness/wait.ts';
import { portIsFree } from '../support/echo-node.ts';
import { desired, makeProvider, nodesForFile, tcpRequest, testPool, udpRequest, signal } from './fixtures.ts';

const listeners = [
  { port: 8080, protocol: 'TCP' as const, nodePort: 0 },
  { port: 5353, protocol: 'UDP' as const, nodePort: 0 },
];

const setup = nodesForFile(['node-a', 'node-b'], ['127.0.0.11', '127.0.0.12']);
const { nodes } = setup;

function withNodePorts(): typeof listeners {
  return listeners.map((l) => ({ ...l, nodePort: nodes[0]?.ports.tcp ?? 0 }));
}

test('TCP and UDP round trips alternate between the two nodes', async () => {
  const { provider } = makeProvider({ addressPool: testPool(1), healthCheckIntervalSeconds: 1 }, setup.dir.path);
  try {
    const status = await provider.ensure(desired('web', nodes, withNodePorts()), signal());
    const ip = status.ingress[0]?.ip ?? '';
    assert.ok(ip.startsWith('127.78.1.'), `address from the pool, got ${ip}`);
    assert.equal(status.ingress[0]?.ipMode, 'Proxy');
    assert.equal(status.changed, true);
    assert.match(status.summary, /listeners 5353\/UDP, 8080\/TCP to 2 nodes/);

    const tcp = [];
    for (let i = 0; i < 4; i++) tcp.push(await tcpRequest(ip, 8080, `hello${i}`));
    assert.deepEqual(
      tcp.map((r) => r.split(':')[1]),
      ['hello0', 'hello1', 'hello2', 'hello3'],
    );
    assert.deepEqual(new Set(tcp.map((r) => r.split(':')[0])), new Set(['node-a', 'node-b']));
    assert.notEqual(tcp[0]?.split(':')[0], tcp[1]?.split(':')[0], 'round-robin alternates');

    const udp = [];
    for (let i = 0; i < 4; i++) udp.push(await udpRequest(ip, 5353, `ping${i}`));
    assert.deepEqual(
      udp.map((r) => r.split(':')[1]),
      ['ping0', 'ping1', 'ping2', 'ping3'],
    );
    assert.deepEqual(new Set(udp.map((r) => r.split(':')[0])), new Set(['node-a', 'node-b']));
  } finally {
    await provider.close();
  }
});

test('a UDP client keeps its session on one node', async () => {
  const { provider } = makeProvider({ addressPool: testPool(2) }, setup.dir.path);
  try {
    const ip = (await provider.ensure(desired('dns', nodes, withNodePorts()), signal())).ingress[0]?.ip ?? '';
    const { createSocket } = await import('node:dgram');
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    const replies: string[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = new Promise<string>((resolve) => socket.once('message', (m) => resolve(m.toString())));
      socket.send(`q${i}`, 5353, ip);
      replies.push(await reply);
    }
    socket.close();
    assert.equal(
      new Set(replies.map((r) => r.split(':')[0])).size,
      1,
      `one node for one client: ${replies.join(', ')}`,
    );
  } finally {
    await provider.close();
  }
});

test('ensure twice writes nothing; a node change retargets without reopening', async () => {
  const { provider, calls } = makeProvider({ addressPool: testPool(3) }, setup.dir.path);
  try {
    const lb = desired('twice', nodes, withNodePorts());
    const first = await provider.ensure(lb, signal());
    assert.equal(first.changed, true);
    const callsAfterFirst = calls.length;
    const second = await provider.ensure(lb, signal());
    assert.equal(second.changed, false);
    assert.deepEqual(second.ingress, first.ingress);
    assert.equal(
      calls.length,
      callsAfterFirst,
      `no writes on the second ensure: ${calls.slice(callsAfterFirst).join(', ')}`,
    );

    const oneNode = await provider.ensure({ ...lb, targets: [nodes[0]?.target() ?? assert.fail()] }, signal());
    assert.equal(oneNode.changed, true);
    assert.deepEqual(calls.slice(callsAfterFirst), ['local:setBackends', 'local:setBackends']);
    const ip = oneNode.ingress[0]?.ip ?? '';
    for (let i = 0; i < 3; i++) assert.match(await tcpRequest(ip, 8080, 'x'), /^node-a:/);
  } finally {
    await provider.close();
  }
});

test('a removed port closes its listener; close() frees every port', async () => {
  const { provider } = makeProvider({ addressPool: testPool(4) }, setup.dir.path);
  let ip: string | undefined;
  try {
    const lb = desired('shrink', nodes, withNodePorts());
    ip = (await provider.ensure(lb, signal())).ingress[0]?.ip ?? '';
    assert.equal(await portIsFree(ip, 5353, 'UDP'), false);
    const status = await provider.ensure(
      { ...lb, listeners: withNodePorts().filter((l) => l.protocol === 'TCP') },
      signal(),
    );
    assert.equal(status.changed, true);
    assert.equal(await portIsFree(ip, 5353, 'UDP'), true, 'UDP listener closed');
    assert.equal(await portIsFree(ip, 8080, 'TCP'), false, 'TCP listener still open');
  } finally {
    await provider.close();
  }
  assert.equal(await portIsFree(ip ?? assert.fail(), 8080, 'TCP'), true, 'close() released the TCP port');
});

test('loadBalancerSourceRanges: allowed sources pass, others are refused', async () => {
  const { provider } = makeProvider({ addressPool: testPool(5) }, setup.dir.path);
  try {
    const lb = desired('ranges', nodes, withNodePorts(), { sourceRanges: ['127.0.0.2/32'] });
    const ip = (await provider.ensure(lb, signal())).ingress[0]?.ip ?? '';
    assert.match(await tcpRequest(ip, 8080, 'ok', { localAddress: '127.0.0.2' }), /:ok$/);
    assert.match(await udpRequest(ip, 5353, 'ok', { localAddress: '127.0.0.2' }), /:ok$/);
    await assert.rejects(tcpRequest(ip, 8080, 'no', { localAddress: '127.0.0.3' }));
    await assert.rejects(udpRequest(ip, 5353, 'no', { localAddress: '127.0.0.3', timeoutMs: 500 }));

    const opened = await provider.ensure({ ...lb, sourceRanges: [] }, signal());
    assert.equal(opened.changed, true);
    assert.match(await tcpRequest(ip, 8080, 'now', { localAddress: '127.0.0.3' }), /:now$/);
  } finally {
    await provider.close();
  }
});

const WATCHED = new Set(['TCPServerWrap', 'TCPSocketWrap', 'UDPWrap', 'Timeout']);

test('close() leaves no sockets or timers behind', async () => {
  const count = (): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const kind of process.getActiveResourcesInfo()) {
      if (WATCHED.has(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    return counts;
  };
  // Handles closed by earlier tests may still be listed for a moment: wait for a stable baseline.
  let baseline = count();
  await eventually(async () => {
    await sleep(100);
    const now = count();
    const stable = JSON.stringify([...now]) === JSON.stringify([...baseline]);
    baseline = now;
    assert.ok(stable);
  });
  const { provider } = makeProvider({ addressPool: testPool(8), healthCheckIntervalSeconds: 1 }, setup.dir.path, {
    udpIdleMs: 60_000,
  });
  try {
    const ip = (await provider.ensure(desired('leak', nodes, withNodePorts()), signal())).ingress[0]?.ip ?? '';
    await tcpRequest(ip, 8080, 'x');
    await udpRequest(ip, 5353, 'x');
    assert.ok(
      (count().get('UDPWrap') ?? 0) >= (baseline.get('UDPWrap') ?? 0) + 2,
      'a UDP listener and a session exist',
    );
  } finally {
    await provider.close();
  }
  await eventually(() => assert.deepEqual(count(), baseline), {
    timeoutMs: 5000,
    message: 'resources back to the baseline',
  });
});
