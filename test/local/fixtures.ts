// Small real parts for the local provider's data-path tests: echo servers standing in for nodes'
// node ports (test/support/echo-node.ts), clients that send through the load-balancer address, and a provider factory.
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { pino } from 'pino';
import { startOperator, type RunningOperator } from '../../src/operator/index.ts';
import type { DesiredLoadBalancer, Listener } from '../../src/provider/contract.ts';
import { ProviderRegistry } from '../../src/provider/registry.ts';
import { localProvider } from '../../providers/local/index.ts';
import { LocalProvider } from '../../providers/local/provider.ts';
import { FileAllocationStore } from '../../providers/local/store.ts';
import type { TestCluster } from '../harness/cluster.ts';
import { EchoNode, portIsFree, type EchoReply } from '../support/echo-node.ts';
import { testLogger } from '../support/fixture.ts';
import { desiredLoadBalancer } from '../support/desired.ts';

/** The local tests' node ports answer every TCP chunk and UDP datagram with `<name>:<payload>`. */
export const localReply: EchoReply = (node, _protocol, payload) => `${node}:${payload}`;

/** A port free for TCP and UDP on every host (nodes share a node port, as with kube-proxy). */
export async function commonPort(hosts: readonly string[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    const free = await Promise.all(hosts.flatMap((h) => [portIsFree(h, port, 'TCP'), portIsFree(h, port, 'UDP')]));
    if (free.every(Boolean)) return port;
  }
  throw new Error('no common free port');
}

export async function startNodes(names: readonly string[], hosts: readonly string[]): Promise<EchoNode[]> {
  const port = await commonPort(hosts);
  const nodes = names.map(
    (name, i) => new EchoNode(name, hosts[i] ?? '127.0.0.1', { tcp: port, udp: port }, localReply),
  );
  for (const node of nodes) await node.start();
  return nodes;
}

/** One TCP request: sends `text`, resolves with the first reply; rejects on reset or timeout. */
export function tcpRequest(
  host: string,
  port: number,
  text: string,
  options: { localAddress?: string; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TCP reply from ${host}:${port}`));
    }, options.timeoutMs ?? 3000);
    socket.once('connect', () => socket.write(text));
    socket.once('data', (chunk) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(chunk.toString());
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      reject(new Error(`connection to ${host}:${port} closed without a reply`));
    });
  });
}

/** One UDP exchange from a fresh socket (a new client session each time). */
export function udpRequest(
  host: string,
  port: number,
  text: string,
  options: { localAddress?: string; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const finish = (result: () => void): void => {
      clearTimeout(timer);
      socket.close();
      result();
    };
    const timer = setTimeout(
      () => finish(() => reject(new Error(`no UDP reply from ${host}:${port}`))),
      options.timeoutMs ?? 1500,
    );
    socket.once('message', (message) => finish(() => resolve(message.toString())));
    socket.once('error', (error) => finish(() => reject(error)));
    socket.bind({ address: options.localAddress ?? '127.0.0.1', port: 0 }, () => socket.send(text, port, host));
  });
}

export interface TestProvider {
  readonly provider: LocalProvider;
  readonly calls: string[];
}

export const silentLog = pino({ level: 'silent' });

export function makeProvider(
  spec: Record<string, unknown>,
  recordDir: string,
  options: { udpIdleMs?: number; clusterName?: string } = {},
): TestProvider {
  const calls: string[] = [];
  const context = {
    providerName: 'local-test',
    clusterName: options.clusterName ?? 'test',
    credentials: undefined,
    log: silentLog,
    countCall: (operation: string) => calls.push(operation),
  };
  const provider = new LocalProvider(spec, context, {
    store: new FileAllocationStore(join(recordDir, 'record.json'), silentLog),
    ...(options.udpIdleMs === undefined ? {} : { udpIdleMs: options.udpIdleMs }),
  });
  return { provider, calls };
}

export interface TempDir {
  readonly path: string;
  remove(): Promise<void>;
}

export async function tempDir(): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), 'cloudlb-local-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** What a test file shares: its echo nodes (filled in before its tests) and a record directory. */
export interface FileSetup {
  readonly nodes: EchoNode[];
  readonly dir: TempDir;
}

/** Starts `names` on `hosts` and makes a record directory before the file's tests; releases both after. */
export function nodesForFile(names: readonly string[], hosts: readonly string[]): FileSetup {
  const nodes: EchoNode[] = [];
  let dir: TempDir | undefined;
  before(async () => {
    nodes.push(...(await startNodes(names, hosts)));
    dir = await tempDir();
  });
  after(async () => {
    for (const node of nodes) await node.stop();
    await dir?.remove();
  });
  return {
    nodes,
    get dir(): TempDir {
      if (dir === undefined) throw new Error('the record directory is made before the tests run');
      return dir;
    },
  };
}

export function desired(
  name: string,
  nodes: readonly EchoNode[],
  listeners: readonly Listener[],
  overrides: Partial<DesiredLoadBalancer> = {},
): DesiredLoadBalancer {
  return desiredLoadBalancer({
    name,
    ownership: { clusterName: 'test', serviceNamespace: 'default', serviceName: name, serviceUID: `uid-${name}` },
    listeners,
    targets: nodes.map((n) => n.target()),
    ...overrides,
  });
}

/** A /28 pool in 127.0.0.0/8 that other test files do not use. */
export function testPool(third: number): string {
  return `127.78.${third}.0/28`;
}

export const signal = (): AbortSignal => AbortSignal.timeout(10_000);

/** The operator with the local provider (or `registry`) against the test control plane, short backoffs. */
export async function startLocalOperator(
  cluster: TestCluster,
  options: { namespace: string; clusterName: string; registry?: ProviderRegistry },
): Promise<RunningOperator> {
  return await startOperator({
    kc: cluster.kc,
    registry: options.registry ?? new ProviderRegistry([localProvider]),
    clusterName: options.clusterName,
    namespace: options.namespace,
    workers: 2,
    sweep: { enabled: false, intervalMs: 600_000, graceMs: 0 },
    backoff: { baseMs: 200, maxMs: 2_000 },
    drainMs: 2_000,
    log: testLogger(options.clusterName),
  });
}
