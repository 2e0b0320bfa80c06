// Through the real control plane with the local provider: a Service with
// allocateLoadBalancerNodePorts: false is sent straight to the ready endpoints of its
// EndpointSlices (made by hand here: no controller manager runs), follows their changes, and goes
// back to node ports when node ports are allocated again.
//
// The API server refuses loopback endpoint addresses, so the slices name "pods" in TEST-NET-1
// (192.0.2.x) and the provider is wrapped to dial 127.0.0.x instead, where the test's echo servers
// listen, as a pod network would route them. Everything else is the real operator and provider.
// Run with: node test/run.ts test/local/endpoint-targets.test.ts
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DiscoveryV1Api, type V1Endpoint, type V1EndpointSlice } from '@kubernetes/client-node';
import { startOperator, type RunningOperator } from '../../src/operator/index.ts';
import type { DesiredLoadBalancer, LoadBalancerProvider } from '../../src/provider/contract.ts';
import { ProviderRegistry, type ProviderDefinition } from '../../src/provider/registry.ts';
import { localProvider } from '../../providers/local/index.ts';
import { deleteTestNamespaces, testCluster, testNamespace, type TestCluster } from '../harness/cluster.ts';
import { eventually } from '../harness/wait.ts';
import {
  createNode,
  createProvider,
  createService,
  deleteNode,
  deleteProvider,
  getService,
  suffix,
  testLogger,
} from '../support/fixture.ts';
import { EchoNode } from '../support/echo-node.ts';
import { reconcilesFor } from '../support/reconciles.ts';
import { commonPort, localReply, tcpRequest, tempDir, testPool, udpRequest, type TempDir } from './fixtures.ts';

const id = suffix();
const providerName = `local-eps-${id}`;
const nodeName = `local-eps-${id}-node`;
/** A second local provider: its Service keeps node ports, so its slices must not wake it. */
const plainProvider = `local-eps-${id}-plain`;
const [podA, podB, nodeHost] = ['192.0.2.71', '192.0.2.72', '127.0.0.73'];

/** Where a pod address is reached on this machine. */
function onThisHost(address: string): string {
  return address.replace(/^192\.0\.2\./, '127.0.0.');
}

/** The local provider, dialing each endpoint at onThisHost(address). */
const routedLocalProvider: ProviderDefinition = {
  ...localProvider,
  load: async () => {
    const factory = await localProvider.load();
    return (spec, context): LoadBalancerProvider => {
      const inner = factory(spec, context);
      const routed = (lb: DesiredLoadBalancer): DesiredLoadBalancer => ({
        ...lb,
        listeners: lb.listeners.map((l) =>
          l.endpoints === undefined
            ? l
            : { ...l, endpoints: l.endpoints.map((e) => ({ ...e, address: onThisHost(e.address) })) },
        ),
      });
      return {
        type: inner.type,
        capabilities: () => inner.capabilities(),
        interpret: (annotations) => inner.interpret(annotations),
        ...(inner.targetProblem ? { targetProblem: (target) => inner.targetProblem?.(target) } : {}),
        ensure: (lb, signal) => inner.ensure(routed(lb), signal),
        delete: (ref, signal) => inner.delete(ref, signal),
        listOwned: (signal) => inner.listOwned(signal),
        close: () => inner.close(),
      };
    };
  },
};
let cluster: TestCluster;
let discovery: DiscoveryV1Api;
let ns: string;
let state: TempDir;
let operator: RunningOperator | undefined;
let targetPort: number;
const servers: EchoNode[] = [];

before(async () => {
  cluster = await testCluster();
  discovery = cluster.kc.makeApiClient(DiscoveryV1Api);
  ns = await testNamespace(cluster, 'local-eps');
  state = await tempDir();
  process.env['CLOUDLB_LOCAL_STATE_DIR'] = state.path;
  targetPort = await commonPort([podA, podB].map(onThisHost));
  for (const [name, host] of [
    ['pod-a', podA],
    ['pod-b', podB],
  ] as const) {
    const server = new EchoNode(name, onThisHost(host), { tcp: targetPort, udp: targetPort }, localReply);
    await server.start();
    servers.push(server);
  }
  await createNode(cluster, nodeName, { addresses: [{ type: 'InternalIP', address: nodeHost }] });
  await createProvider(cluster, providerName, { local: { addressPool: testPool(21) } });
  await createProvider(cluster, plainProvider, { local: { addressPool: testPool(22) } });
  operator = await startOperator({
    kc: cluster.kc,
    registry: new ProviderRegistry([routedLocalProvider]),
    clusterName: 'local-eps',
    namespace: ns,
    // One worker: reconciles finish in the order their Services were queued (the last test relies on it).
    workers: 1,
    sweep: { enabled: false, intervalMs: 600_000, graceMs: 0 },
    backoff: { baseMs: 200, maxMs: 2_000 },
    drainMs: 2_000,
    log: testLogger('local-eps'),
  });
});

after(async () => {
  await operator?.stop();
  await deleteProvider(cluster, providerName);
  await deleteProvider(cluster, plainProvider);
  await deleteNode(cluster, nodeName);
  await deleteTestNamespaces();
  for (const server of servers) await server.stop();
  delete process.env['CLOUDLB_LOCAL_STATE_DIR'];
  await state.remove();
});

function endpoint(address: string, ready: boolean): V1Endpoint {
  return { addresses: [address], conditions: { ready, serving: ready, terminating: false } };
}

function slice(endpoints: V1Endpoint[], service = 'web'): V1EndpointSlice {
  return {
    metadata: { name: `${service}-1`, namespace: ns, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [
      { name: 'http', port: targetPort, protocol: 'TCP' },
      { name: 'dns', port: targetPort, protocol: 'UDP' },
    ],
    endpoints,
  };
}

async function replaceSlice(endpoints: V1Endpoint[], service = 'web'): Promise<void> {
  await discovery.replaceNamespacedEndpointSlice({
    name: `${service}-1`,
    namespace: ns,
    body: slice(endpoints, service),
  });
}

async function address(): Promise<string> {
  return await eventually(async () => {
    const ip = (await getService(cluster, ns, 'web')).status?.loadBalancer?.ingress?.[0]?.ip;
    assert.ok(ip, 'the Service has an ingress address');
    return ip;
  });
}

/** Who answers `count` requests in a row through the load balancer, sorted and deduplicated. */
async function answering(ip: string, count = 6): Promise<string[]> {
  const replies = new Set<string>();
  for (let i = 0; i < count; i++) replies.add((await tcpRequest(ip, 8080, 'hi')).split(':')[0] ?? '');
  return [...replies].sort();
}

test('allocateLoadBalancerNodePorts: false → TCP and UDP through the load balancer reach the ready endpoints', async () => {
  await discovery.createNamespacedEndpointSlice({ namespace: ns, body: slice([endpoint(podA, true)], 'plain') });
  await createService(cluster, ns, 'plain', `cloudlb.dev/${plainProvider}`, [
    { name: 'http', port: 8080, protocol: 'TCP', targetPort: targetPort },
  ]);
  await discovery.createNamespacedEndpointSlice({
    namespace: ns,
    body: slice([endpoint(podA, true), endpoint(podB, true)]),
  });
  await createService(
    cluster,
    ns,
    'web',
    `cloudlb.dev/${providerName}`,
    [
      { name: 'http', port: 8080, protocol: 'TCP', targetPort: targetPort },
      { name: 'dns', port: 5300, protocol: 'UDP', targetPort: targetPort },
    ],
    { spec: { allocateLoadBalancerNodePorts: false } },
  );
  const created = await getService(cluster, ns, 'web');
  assert.deepEqual(
    created.spec?.ports?.map((p) => p.nodePort),
    [undefined, undefined],
    'no node port allocated',
  );
  const ip = await address();
  await eventually(async () => assert.deepEqual(await answering(ip), ['pod-a', 'pod-b']));
  assert.match(await eventually(() => udpRequest(ip, 5300, 'q')), /^pod-[ab]:q$/);
  const condition = (await getService(cluster, ns, 'web')).status?.conditions?.find(
    (c) => c.type === 'LoadBalancerReady',
  );
  assert.equal(condition?.status, 'True', condition?.message);
});

test('a slice update moves the traffic: a not-ready endpoint is left out, a removed one too', async () => {
  const ip = await address();
  await replaceSlice([endpoint(podA, true), endpoint(podB, false)]);
  await eventually(async () => assert.deepEqual(await answering(ip), ['pod-a']));
  await replaceSlice([endpoint(podB, true)]);
  await eventually(async () => assert.deepEqual(await answering(ip), ['pod-b']));
});

test('a slice change wakes only its own Service, and only one that sends to endpoints', async () => {
  const ip = await address();
  assert.ok((await getService(cluster, ns, 'plain')).status?.loadBalancer?.ingress?.[0]?.ip, 'plain is served');
  const running = operator;
  assert.ok(running);
  const plainReconciles = await reconcilesFor(running, plainProvider);
  assert.ok(plainReconciles >= 1, 'plain was reconciled before');
  await replaceSlice([endpoint(podB, true)], 'plain');
  // A later slice event on the same watch, for web: once web's traffic has moved, the operator has
  // handled plain's change too (one worker, in order).
  await replaceSlice([endpoint(podA, true)]);
  await eventually(async () => assert.deepEqual(await answering(ip), ['pod-a']));
  assert.equal(await reconcilesFor(running, plainProvider), plainReconciles, 'plain (node ports) was not reconciled');
});

test('allocateLoadBalancerNodePorts back to true → the node ports of the node', async () => {
  const ip = await address();
  await cluster.core.patchNamespacedService({
    namespace: ns,
    name: 'web',
    body: [{ op: 'replace', path: '/spec/allocateLoadBalancerNodePorts', value: true }],
  });
  const [tcp, udp] = (await getService(cluster, ns, 'web')).spec?.ports?.map((p) => p.nodePort ?? 0) ?? [];
  assert.ok(tcp && udp, 'the API server allocated node ports');
  const node = new EchoNode(nodeName, nodeHost, { tcp, udp }, localReply);
  await node.start();
  servers.push(node);
  await eventually(async () => assert.deepEqual(await answering(ip), [nodeName]));
  assert.equal(await eventually(() => udpRequest(ip, 5300, 'q')), `${nodeName}:q`);
});
