// A port the system will not let this process bind (EACCES: below 1024, unprivileged) is refused
// on its own, said once, and not retried as a failure; the other ports are served.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { desiredLoadBalancer } from '../../test/support/desired.ts';
import type { TcpProxy } from './api/tcp-proxy.ts';
import { listenError, permanentListenRefusal } from './errors.ts';
import { hostNetworks } from './host-networks.ts';
import type { ProxyOpener, ProxyRequest } from './open-proxy.ts';
import { LocalProvider } from './provider.ts';
import { NoAllocationStore } from './store.ts';

const loopback = hostNetworks({
  lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '', internal: true, cidr: '127.0.0.1/8' }],
});

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`listen ${code}`), { code });
}

/** Binds below 1024 fail as an unprivileged process's do; the rest "open" without a socket. */
function unprivileged(): { open: ProxyOpener; opened: ProxyRequest[]; attempts: ProxyRequest[] } {
  const opened: ProxyRequest[] = [];
  const attempts: ProxyRequest[] = [];
  const open: ProxyOpener = (request) => {
    attempts.push(request);
    if (request.port < 1024)
      return Promise.reject(listenError(errno('EACCES'), `${request.address}:${request.port}/${request.protocol}`));
    opened.push(request);
    const fake = { setBackends() {}, setSourceFilter() {}, close: () => Promise.resolve() };
    return Promise.resolve(fake as unknown as TcpProxy);
  };
  return { open, opened, attempts };
}

function provider(open: ProxyOpener, calls: string[] = []): LocalProvider {
  const context = {
    providerName: 'local',
    clusterName: 'test',
    credentials: undefined,
    log: pino({ level: 'silent' }),
    countCall: (operation: string) => calls.push(operation),
  };
  return new LocalProvider({}, context, { store: new NoAllocationStore(), hostNetworks: loopback, openProxy: open });
}

test('permanentListenRefusal: EACCES from a bind is permanent; a port in use or another error is not', () => {
  const refused = permanentListenRefusal(listenError(errno('EACCES'), '127.77.0.9:80/TCP'));
  assert.ok(refused !== undefined);
  assert.match(refused, /^cannot listen on 127\.77\.0\.9:80\/TCP: ports below 1024 need root/);
  assert.match(refused, /net\.ipv4\.ip_unprivileged_port_start/);
  assert.match(refused, /use a port of 1024 or more/);
  assert.equal(permanentListenRefusal(listenError(errno('EADDRINUSE'), '127.77.0.9:80/TCP')), undefined);
  assert.equal(permanentListenRefusal(errno('EACCES')), undefined, 'only the bind of a listener');
});

test('ensure serves 8080 and reports 80 as refused; again, it retries 80 once and says nothing changed', async () => {
  const { open, opened, attempts } = unprivileged();
  const calls: string[] = [];
  const local = provider(open, calls);
  const lb = desiredLoadBalancer({
    listeners: [
      { port: 80, protocol: 'TCP', nodePort: 30080 },
      { port: 8080, protocol: 'TCP', nodePort: 30081 },
    ],
  });
  try {
    const first = await local.ensure(lb, AbortSignal.timeout(5_000));
    assert.equal(first.changed, true);
    assert.deepEqual(
      opened.map((r) => `${r.port}/${r.protocol}`),
      ['8080/TCP'],
    );
    assert.equal(first.refusedListeners?.length, 1);
    assert.equal(first.refusedListeners[0]?.port, 80);
    assert.equal(first.refusedListeners[0]?.protocol, 'TCP');
    assert.match(first.refusedListeners[0]?.reason ?? '', /ports below 1024 need root/);
    assert.doesNotMatch(first.summary, /\b80\/TCP/, 'the summary names only what is open');
    assert.deepEqual(
      calls.filter((c) => c === 'local:listen'),
      ['local:listen'],
    );

    const again = await local.ensure(lb, AbortSignal.timeout(5_000));
    assert.equal(again.changed, false, 'a port refused again is no change');
    assert.deepEqual(again.refusedListeners, first.refusedListeners);
    assert.deepEqual(
      attempts.map((r) => r.port),
      [80, 8080, 80],
      'one bind attempt for 80 per ensure, none again for the open 8080',
    );
  } finally {
    await local.close();
  }
});

test('a port in use fails the ensure (transient, retried with backoff)', async () => {
  const inUse: ProxyOpener = (r) => Promise.reject(listenError(errno('EADDRINUSE'), `${r.address}:${r.port}/TCP`));
  const local = provider(inUse);
  try {
    await assert.rejects(
      local.ensure(desiredLoadBalancer(), AbortSignal.timeout(5_000)),
      /another process already listens there/,
    );
  } finally {
    await local.close();
  }
});
