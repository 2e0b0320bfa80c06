import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1EndpointSlice, V1Node, V1ObjectMeta, V1Service } from '@kubernetes/client-node';
import { AWS_CAPABILITIES } from '../../providers/aws/capabilities.ts';
import { interpretAnnotations as awsInterpret } from '../../providers/aws/annotations.ts';
import { GCP_CAPABILITIES } from '../../providers/gcp/capabilities.ts';
import { interpretAnnotations as gcpInterpret } from '../../providers/gcp/annotations.ts';
import type { LoadBalancerProvider as ProviderObject } from '../api/loadbalancerprovider.ts';
import { indexProviders, resolveProvider } from '../controller/classes.ts';
import { FINALIZER, PROVIDER_ANNOTATION } from '../controller/constants.ts';
import {
  cleanupNeeded,
  ensuringEvent,
  isCreating,
  needsClaim,
  unwantedAction,
  wantedProvider,
} from '../controller/decide.ts';
import { listenersOf, refOf, userAnnotations } from '../controller/desired.ts';
import { endpointsOf, SERVICE_NAME_LABEL } from '../controller/endpoints.ts';
import { targetsFingerprint, targetsOf } from '../controller/nodes.ts';
import { planEnsure } from '../controller/plan.ts';
import type { ProviderHandle } from '../controller/provider-handle.ts';
import { conditionFor, hasOurStatus, ReadyReason, statusPatch } from '../controller/status.ts';
import { wantedBy } from '../controller/sweep.ts';
import { builtinRegistry } from '../provider/builtin.ts';
import type { Capabilities, Interpretation, LoadBalancerProvider } from '../provider/contract.ts';
import { protection } from '../controller/protection.ts';
import {
  annotationFilter,
  projectEndpointSlice,
  projectNode,
  projectProviderObject,
  projectSecret,
  projectService,
  relevant,
} from './cache-projection.ts';
import { countServedServices } from './service-counts.ts';

const keep = annotationFilter(builtinRegistry().annotationPrefixes());

const managedFields = [
  {
    manager: 'kubectl',
    operation: 'Apply',
    apiVersion: 'v1',
    time: '2026-01-01T00:00:00Z',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:spec': { 'f:ports': {} } },
  },
];

/** A Service as the API server sends it: everything the operator reads and much it does not. */
function fullService(overrides: { type?: string; annotations?: Record<string, string>; deleting?: boolean } = {}) {
  const type = overrides.type ?? 'LoadBalancer';
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'web',
      namespace: 'shop',
      uid: 'uid-1',
      resourceVersion: '42',
      generation: 3,
      creationTimestamp: '2026-01-01T00:00:00Z',
      ...(overrides.deleting === true ? { deletionTimestamp: '2026-01-02T00:00:00Z' } : {}),
      finalizers: [FINALIZER, 'other.example/keep'],
      labels: { app: 'web' },
      annotations: {
        [PROVIDER_ANNOTATION]: 'aws-main',
        'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
        'service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval': 'often',
        'service.beta.kubernetes.io/load-balancer-source-ranges': '10.0.0.0/8',
        'networking.gke.io/load-balancer-type': 'Internal',
        'kubectl.kubernetes.io/last-applied-configuration': '{"a whole":"copy"}',
        ...overrides.annotations,
      },
      managedFields,
    },
    spec: {
      type,
      loadBalancerClass: 'cloudlb.dev/aws-main',
      clusterIP: '10.96.0.10',
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30080 },
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53, nodePort: 30053 },
        { name: 'sig', port: 9999, protocol: 'SCTP', targetPort: 9999, nodePort: 30099 },
      ],
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: 31000,
      loadBalancerIP: '',
      selector: { app: 'web' },
    },
    status: {
      loadBalancer: { ingress: [{ hostname: 'lb.example', ports: [{ port: 80, protocol: 'TCP' }] }] },
      conditions: [
        {
          type: 'LoadBalancerReady',
          status: 'True',
          reason: 'Ensured',
          message: 'ok',
          observedGeneration: 3,
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
        { type: 'Other', status: 'True', reason: 'X', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' },
      ],
    },
  } as unknown as V1Service;
}

function fullNode(name: string, extra: { labels?: Record<string, string>; taint?: string; deleting?: boolean } = {}) {
  return {
    metadata: {
      name,
      uid: `node-${name}`,
      resourceVersion: '7',
      labels: { 'kubernetes.io/hostname': name, ...extra.labels },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
      ...(extra.deleting === true ? { deletionTimestamp: '2026-01-02T00:00:00Z' } : {}),
      managedFields,
    },
    spec: {
      providerID: `aws:///z/${name}`,
      podCIDR: '10.0.0.0/24',
      ...(extra.taint === undefined ? {} : { taints: [{ key: extra.taint, effect: 'NoSchedule' }] }),
    },
    status: {
      addresses: [
        { type: 'InternalIP', address: '10.1.0.1' },
        { type: 'Hostname', address: name },
      ],
      conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:00Z' }],
      images: [{ names: ['registry.example/app@sha256:abc'], sizeBytes: 1 }],
      nodeInfo: { kubeletVersion: 'v1.34.0' },
    },
  } as unknown as V1Node;
}

test('table: what a Service keeps in the cache', () => {
  const ids = { name: 'a', namespace: 'n', uid: 'u', resourceVersion: '1' };
  const cases: { name: string; service: V1Service; want: V1Service }[] = [
    {
      name: 'a ClusterIP Service keeps its keys and type only',
      service: {
        metadata: { ...ids, labels: { x: 'y' }, managedFields },
        spec: { type: 'ClusterIP', clusterIP: '10.0.0.1', ports: [{ port: 80 }] },
        status: { loadBalancer: {} },
      } as unknown as V1Service,
      want: { metadata: ids, spec: { type: 'ClusterIP' } },
    },
    {
      name: 'a LoadBalancer keeps spec, status and the metadata read, without managedFields or foreign annotations',
      service: {
        metadata: {
          ...ids,
          generation: 2,
          managedFields,
          annotations: { 'cloudlb.dev/provider': 'p', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
        },
        spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
        status: { loadBalancer: {} },
      } as unknown as V1Service,
      want: {
        metadata: {
          ...ids,
          generation: 2,
          annotations: { 'cloudlb.dev/provider': 'p' },
        },
        spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
        status: { loadBalancer: {} },
      },
    },
    {
      name: 'a former LoadBalancer still holding our finalizer stays whole, so its cleanup sees everything',
      service: {
        metadata: { ...ids, finalizers: [FINALIZER] },
        spec: { type: 'ClusterIP' },
      },
      want: {
        metadata: { ...ids, finalizers: [FINALIZER] },
        spec: { type: 'ClusterIP' },
        status: {},
      },
    },
    {
      name: 'an ExternalName Service without a type field in spec keeps an empty spec',
      service: { metadata: { name: 'a', namespace: 'n' }, spec: {} },
      want: { metadata: { name: 'a', namespace: 'n' }, spec: {} },
    },
  ];
  for (const c of cases) assert.deepEqual(projectService(c.service, keep), c.want, c.name);
});

test('table: what a Node and a Secret keep', () => {
  assert.deepEqual(projectNode(fullNode('n1', { taint: 'T' })), {
    metadata: { name: 'n1', uid: 'node-n1', resourceVersion: '7', labels: { 'kubernetes.io/hostname': 'n1' } },
    spec: { providerID: 'aws:///z/n1', taints: [{ key: 'T', effect: 'NoSchedule' }] },
    status: {
      addresses: [
        { type: 'InternalIP', address: '10.1.0.1' },
        { type: 'Hostname', address: 'n1' },
      ],
    },
  });
  assert.deepEqual(projectNode({ metadata: { name: 'bare' } }), { metadata: { name: 'bare' }, spec: {}, status: {} });
  assert.deepEqual(
    projectSecret({
      metadata: { name: 's', namespace: 'ns', resourceVersion: '9', managedFields, annotations: { a: 'b' } },
      data: { k: 'dg==' },
      type: 'Opaque',
    } as never),
    { metadata: { name: 's', namespace: 'ns', resourceVersion: '9' }, data: { k: 'dg==' } },
  );
});

test('provider protection decides the same on a cached LoadBalancerProvider as on the full object', () => {
  const full = (finalizers: string[], deleting: boolean) => ({
    apiVersion: 'cloudlb.dev/v1alpha1',
    kind: 'LoadBalancerProvider',
    metadata: {
      name: 'p',
      uid: 'u',
      resourceVersion: '3',
      generation: 2,
      managedFields,
      finalizers,
      ...(deleting ? { deletionTimestamp: new Date(0).toISOString() as unknown as Date } : {}),
    },
    spec: { local: {} },
  });
  const cases: [string[], boolean, string[]][] = [
    [[], false, []],
    [['other.example/keep', 'cloudlb.dev/provider-protection'], false, []],
    [['other.example/keep', 'cloudlb.dev/provider-protection'], true, []],
    [['other.example/keep', 'cloudlb.dev/provider-protection'], true, ['ns/web']],
  ];
  for (const [finalizers, deleting, users] of cases) {
    const decide = (o: { metadata?: { finalizers?: string[]; deletionTimestamp?: unknown } }) =>
      protection(
        { name: 'p', finalizers: o.metadata?.finalizers ?? [], deleting: o.metadata?.deletionTimestamp !== undefined },
        users,
      );
    const object = full(finalizers, deleting);
    assert.deepEqual(decide(projectProviderObject(object as never)), decide(object), JSON.stringify(finalizers));
  }
});

test('relevant() answers the same for every Service and its projection', () => {
  const services = [
    fullService(),
    fullService({ type: 'ClusterIP' }),
    fullService({ type: 'NodePort', deleting: true }),
    { metadata: { name: 'plain', uid: 'u' }, spec: { type: 'ClusterIP' } } as V1Service,
    {
      metadata: { name: 'cond' },
      spec: { type: 'ClusterIP' },
      status: {
        conditions: [
          { type: 'LoadBalancerReady', status: 'False', reason: 'r', message: '', lastTransitionTime: new Date(0) },
        ],
      },
    } as V1Service,
  ];
  assert.equal(services.filter(relevant).length, 4, 'both answers are exercised');
  for (const s of services) assert.equal(relevant(projectService(s, keep)), relevant(s), s.metadata?.name);
});

function handle(
  type: 'aws' | 'gcp',
  capabilities: Capabilities,
  interpret: (a: Record<string, string>) => Interpretation,
): ProviderHandle {
  return {
    name: `${type}-main`,
    type,
    instanceId: 1,
    capabilities,
    provider: { interpret } as unknown as LoadBalancerProvider,
  };
}

test("every decision the controller makes is the same on the cached projection as on the API server's object", () => {
  const providers = [
    { metadata: { name: 'aws-main' }, spec: { loadBalancerClass: 'cloudlb.dev/aws-main', aws: { region: 'r' } } },
    { metadata: { name: 'gcp-main' }, spec: { default: true, gcp: { project: 'p', region: 'r' } } },
  ] as unknown as ProviderObject[];
  const classes = indexProviders(providers);
  const nodes = [
    fullNode('n1'),
    fullNode('n2', { labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } }),
    fullNode('n3', { taint: 'ToBeDeletedByClusterAutoscaler' }),
    fullNode('n4', { deleting: true }),
    fullNode('n5', { labels: { zone: 'a' } }),
  ];
  const projectedNodes = nodes.map(projectNode);
  assert.equal(targetsOf(nodes).length, 2, 'some nodes are eligible, some not');
  assert.deepEqual(targetsOf(projectedNodes), targetsOf(nodes));
  assert.equal(targetsFingerprint(targetsOf(projectedNodes)), targetsFingerprint(targetsOf(nodes)));

  const services = [
    fullService(),
    fullService({ deleting: true }),
    fullService({ type: 'ClusterIP' }),
    fullService({
      annotations: { [PROVIDER_ANNOTATION]: 'gcp-main', 'service.beta.kubernetes.io/aws-load-balancer-bogus': 'x' },
    }),
  ];
  const handles = [handle('aws', AWS_CAPABILITIES, awsInterpret), handle('gcp', GCP_CAPABILITIES, gcpInterpret)];
  const now = new Date('2026-02-01T00:00:00Z');
  const decisions = (service: V1Service, targetNodes: readonly V1Node[]) => {
    const resolution = resolveProvider(service, classes);
    const wanted = wantedProvider(service, resolution);
    return {
      relevant: relevant(service),
      resolution,
      wanted,
      cleanup: cleanupNeeded(service, wanted),
      unwanted: unwantedAction(service, resolution),
      claims: handles.map((h) => needsClaim(service, h.name)),
      creating: isCreating(service),
      ensuring: ensuringEvent(service, listenersOf(service)),
      ref: refOf(service, 'c'),
      annotationsSeen: handles.map((h) => h.provider.interpret(userAnnotations(service))),
      plans: handles.map((h) =>
        planEnsure({
          service,
          providerName: h.name,
          lookup: { state: 'ready', handle: h },
          targets: targetsOf(targetNodes),
          clusterName: 'c',
          last: undefined,
          endpointSlices: () => [],
        }),
      ),
      ourStatus: hasOurStatus(service),
      patch: statusPatch(service, {
        condition: conditionFor(service, { status: 'True', reason: ReadyReason.Ensured, message: 'ok' }, now),
      }),
      flipped: conditionFor(service, { status: 'False', reason: ReadyReason.SyncFailed, message: 'no' }, now),
    };
  };
  for (const service of services) {
    const projected = projectService(service, keep);
    assert.deepEqual(decisions(projected, projectedNodes), decisions(service, nodes), service.metadata?.name);
  }
  assert.deepEqual(
    wantedBy(
      services.map((s) => projectService(s, keep)),
      classes,
    ),
    wantedBy(services, classes),
  );
  assert.deepEqual(countServedServices(services.map((s) => projectService(s, keep))), countServedServices(services));
  // The projection is smaller: no managedFields, no kubectl copy, no foreign labels.
  const [first] = services;
  assert.ok(first);
  assert.ok(JSON.stringify(projectService(first, keep)).length < JSON.stringify(first).length * 0.8);
});

function fullSlice(
  name: string,
  addressType: string,
  ports: V1EndpointSlice['ports'],
  endpoints: NonNullable<V1EndpointSlice['endpoints']>,
): V1EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      resourceVersion: '7',
      generateName: 'web-',
      labels: {
        [SERVICE_NAME_LABEL]: 'web',
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
        app: 'web',
      },
      annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': '2026-02-01T00:00:00Z' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true }],
      // As JSON: the timestamps are strings.
      managedFields: managedFields as unknown as NonNullable<V1ObjectMeta['managedFields']>,
    },
    addressType,
    ...(ports === undefined ? {} : { ports }),
    endpoints,
  };
}

test('endpoint targets read the same from a cached EndpointSlice as from the full object', () => {
  const endpoint = (address: string, conditions: NonNullable<V1EndpointSlice['endpoints']>[number]['conditions']) => ({
    addresses: [address, `${address}-alias`],
    ...(conditions === undefined ? {} : { conditions }),
    nodeName: 'node-a',
    zone: 'zone-a',
    hostname: 'pod-0',
    hints: { forZones: [{ name: 'zone-a' }] },
    targetRef: { kind: 'Pod', namespace: 'ns', name: `pod-${address}`, uid: `pod-uid-${address}` },
  });
  const slices = [
    fullSlice(
      'web-a',
      'IPv4',
      [
        { name: 'http', port: 8080, protocol: 'TCP', appProtocol: 'http' },
        { name: 'dns', port: 5353, protocol: 'UDP' },
        { port: 9000 },
      ],
      [
        endpoint('10.0.0.1', { ready: true, serving: true, terminating: false }),
        endpoint('10.0.0.2', { ready: false, serving: true, terminating: true }),
        endpoint('10.0.0.3', undefined),
        endpoint('10.0.0.4', { ready: false, serving: false, terminating: false }),
      ],
    ),
    fullSlice('web-b', 'IPv6', [{ name: 'http', port: 8080, protocol: 'TCP' }], [endpoint('fd00::1', { ready: true })]),
    fullSlice('web-c', 'FQDN', [{ name: 'http', port: 8080, protocol: 'TCP' }], [endpoint('pod.example', {})]),
    fullSlice('web-d', 'IPv4', undefined, [endpoint('10.0.0.9', { ready: true })]),
  ];
  const projected = slices.map((s) => projectEndpointSlice(s));
  const listeners: Parameters<typeof endpointsOf>[0][] = [
    { name: 'http', protocol: 'TCP' },
    { name: 'dns', protocol: 'UDP' },
    { protocol: 'TCP' },
    { name: 'http', protocol: 'UDP' },
  ];
  assert.ok(endpointsOf({ name: 'http', protocol: 'TCP' }, slices).length > 0, 'the table reaches endpoints');
  for (const listener of listeners)
    assert.deepEqual(endpointsOf(listener, projected), endpointsOf(listener, slices), JSON.stringify(listener));
  assert.equal(projected.length, slices.length);
  for (const [i, slice] of projected.entries()) {
    assert.equal(slice.metadata?.labels?.[SERVICE_NAME_LABEL], 'web', 'the index key stays');
    assert.deepEqual(
      slice.endpoints?.map((e) => e.conditions),
      slices[i]?.endpoints?.map((e) => ({ ...e.conditions })),
      'ready, serving and terminating stay',
    );
  }
  const [first] = slices;
  assert.ok(first);
  assert.ok(JSON.stringify(projectEndpointSlice(first)).length < JSON.stringify(first).length * 0.5);
});
