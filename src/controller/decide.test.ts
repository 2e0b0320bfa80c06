import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Condition, V1Service } from '@kubernetes/client-node';
import { desiredLoadBalancer } from '../../test/support/desired.ts';
import type { DesiredLoadBalancer, LoadBalancerStatus } from '../provider/contract.ts';
import { PermanentError, RetryAfterError } from '../provider/errors/index.ts';
import type { Resolution } from './classes.ts';
import { CONDITION_TYPE, FINALIZER, PROVIDER_ANNOTATION } from './constants.ts';
import {
  cleanupNeeded,
  ensuredEvents,
  ensureFailure,
  ensureReason,
  ensuringEvent,
  invalidSpecWarning,
  needsClaim,
  readyAfterEnsure,
  unwantedAction,
  wantedProvider,
} from './decide.ts';
import type { EnsureRequest, LastEnsure } from './memo.ts';
import { ReadyReason, type ReadyCondition } from './status.ts';
import type { RefusedPort, Validation } from './validate.ts';

interface ServiceShape {
  finalizer?: boolean;
  owner?: string;
  deleting?: boolean;
  condition?: Partial<V1Condition>;
  shownPorts?: [number, string][];
  ports?: [number, string][];
}

function service(shape: ServiceShape = {}): V1Service {
  const shown = shape.shownPorts?.map(([port, protocol]) => ({ port, protocol }));
  return {
    metadata: {
      namespace: 'n',
      name: 's',
      ...(shape.finalizer ? { finalizers: ['other.io/keep', FINALIZER] } : { finalizers: ['other.io/keep'] }),
      ...(shape.owner !== undefined ? { annotations: { [PROVIDER_ANNOTATION]: shape.owner } } : {}),
      ...(shape.deleting ? { deletionTimestamp: new Date(0) } : {}),
    },
    spec: {
      type: 'LoadBalancer',
      ports: (shape.ports ?? [[80, 'TCP']]).map(([port, protocol]) => ({ port, protocol, nodePort: 30000 + port })),
    },
    status: {
      ...(shown ? { loadBalancer: { ingress: [{ ip: '10.0.0.9', ports: shown }] } } : {}),
      ...(shape.condition
        ? {
            conditions: [
              { type: CONDITION_TYPE, status: 'True', reason: 'Ensured', message: '', ...shape.condition },
            ] as V1Condition[],
          }
        : {}),
    },
  };
}

const byP: Resolution = { kind: 'provider', name: 'p' };
const none: Resolution = { kind: 'none' };
const ambiguous: Resolution = { kind: 'ambiguousDefault', names: ['a', 'b'] };

test('wantedProvider: the resolved provider, unless the Service is going away', () => {
  const table: [string, ServiceShape, Resolution, string | undefined][] = [
    ['served by p', {}, byP, 'p'],
    ['being deleted', { deleting: true }, byP, undefined],
    ['no provider serves it', {}, none, undefined],
    ['two defaults', {}, ambiguous, undefined],
  ];
  for (const [name, shape, resolution, expected] of table)
    assert.equal(wantedProvider(service(shape), resolution), expected, name);
});

test('cleanupNeeded: only with our finalizer; deleting, not wanted, or moved to another provider', () => {
  const table: [string, ServiceShape, string | undefined, ReturnType<typeof cleanupNeeded>][] = [
    ['no finalizer, not wanted', { owner: 'p' }, undefined, undefined],
    ['no finalizer, deleting', { owner: 'p', deleting: true }, undefined, undefined],
    ['ours and still wanted', { finalizer: true, owner: 'p' }, 'p', undefined],
    ['finalizer, no annotation, wanted: claim it, no cleanup', { finalizer: true }, 'p', undefined],
    ['deleting', { finalizer: true, owner: 'p', deleting: true }, undefined, { reason: 'deleting', provider: 'p' }],
    ['class removed', { finalizer: true, owner: 'p' }, undefined, { reason: 'notWanted', provider: 'p' }],
    ['moved to q', { finalizer: true, owner: 'p' }, 'q', { reason: 'movedProvider', provider: 'p' }],
    [
      'annotation lost: ask every provider',
      { finalizer: true },
      undefined,
      { reason: 'notWanted', provider: undefined },
    ],
  ];
  for (const [name, shape, wanted, expected] of table)
    assert.deepEqual(cleanupNeeded(service(shape), wanted), expected, name);
});

test('unwantedAction: warn about two defaults, clear a condition we left, else nothing', () => {
  const table: [string, ServiceShape, Resolution, ReturnType<typeof unwantedAction>][] = [
    ['two defaults', {}, ambiguous, { kind: 'warnAmbiguousDefault', providers: ['a', 'b'] }],
    ['two defaults, being deleted', { deleting: true }, ambiguous, { kind: 'nothing' }],
    ['our condition left behind', { condition: { reason: 'ProviderNotReady' } }, none, { kind: 'clearCondition' }],
    ['condition, being deleted', { deleting: true, condition: {} }, none, { kind: 'nothing' }],
    ['nothing of ours', {}, none, { kind: 'nothing' }],
  ];
  for (const [name, shape, resolution, expected] of table)
    assert.deepEqual(unwantedAction(service(shape), resolution), expected, name);
});

test('needsClaim: until both the finalizer and our provider annotation are on', () => {
  const table: [string, ServiceShape, boolean][] = [
    ['new Service', {}, true],
    ['finalizer only', { finalizer: true }, true],
    ['annotation only', { owner: 'p' }, true],
    ['another provider in the annotation', { finalizer: true, owner: 'q' }, true],
    ['claimed', { finalizer: true, owner: 'p' }, false],
  ];
  for (const [name, shape, expected] of table) assert.equal(needsClaim(service(shape), 'p'), expected, name);
});

const validation: Validation = {
  listeners: [{ port: 80, protocol: 'TCP', nodePort: 30080 }],
  refused: [],
  problems: [],
};

function request(
  desired: Partial<DesiredLoadBalancer> = {},
  overrides: { validation?: Partial<Validation>; instanceId?: number; name?: string } = {},
): EnsureRequest {
  return {
    provider: { name: overrides.name ?? 'p', instanceId: overrides.instanceId ?? 1 },
    desired: desiredLoadBalancer(desired),
    validation: { ...validation, ...overrides.validation },
  };
}

const ready: ReadyCondition = { status: 'True', reason: ReadyReason.Ensured, message: 'Serving 80/TCP at 10.0.0.9.' };
const ok: LastEnsure = { kind: 'settled', request: request(), outcome: 'ok', status: { ready } };
const refusedBefore: LastEnsure = { kind: 'settled', request: request(), outcome: 'permanent', status: { ready } };
const sctp: RefusedPort = {
  port: 9,
  protocol: 'SCTP',
  error: 'cloudlb.dev/ProtocolNotSupported',
  message: 'port 9/SCTP refused',
};

test('ensureReason: why the last verdict no longer stands, or undefined when it does', () => {
  const node = { nodeName: 'n1', addresses: [], labels: {} };
  const withOptions = { ...desiredLoadBalancer(), options: { idleTimeoutSeconds: 60 } };
  const withOtherOptions = { ...desiredLoadBalancer(), options: { idleTimeoutSeconds: 120 } };
  const optionsBefore: LastEnsure = { ...ok, request: { ...request(), desired: withOptions } };
  const table: [string, LastEnsure | undefined, EnsureRequest, boolean, string | undefined][] = [
    ['nothing changed', ok, request(), true, undefined],
    ['never asked', undefined, request(), true, 'neverEnsured'],
    ['the last call failed', { kind: 'failed' }, request(), true, 'lastFailed'],
    ['drift resync', { kind: 'forgotten' }, request(), true, 'resync'],
    ['another provider', ok, request({}, { name: 'q' }), true, 'providerChanged'],
    ['provider rebuilt', ok, request({}, { instanceId: 2 }), true, 'providerRebuilt'],
    ['finalizer removed behind our back', ok, request(), false, 'finalizerMissing'],
    ['a refusal stands without a finalizer', refusedBefore, request(), false, undefined],
    [
      'a refusal stands until the Service changes',
      refusedBefore,
      request({ scheme: 'Internal' }),
      false,
      'desiredChanged: scheme',
    ],
    ['listeners to ensure', ok, request({}, { validation: { listeners: [] } }), true, 'desiredChanged: listeners'],
    ['refused ports', ok, request({}, { validation: { refused: [sctp] } }), true, 'desiredChanged: refusedPorts'],
    [
      'problems',
      ok,
      request({}, { validation: { problems: [{ field: 'f', message: 'm' }] } }),
      true,
      'desiredChanged: problems',
    ],
    [
      'a node port moved',
      ok,
      request({ listeners: [{ port: 80, protocol: 'TCP', nodePort: 30081 }] }),
      true,
      'desiredChanged: ports',
    ],
    ['targets', ok, request({ targets: [node] }), true, 'desiredChanged: targets'],
    [
      'health check',
      ok,
      request({ healthCheck: { kind: 'HTTP', port: 32000, path: '/healthz' } }),
      true,
      'desiredChanged: healthCheck',
    ],
    ['source ranges', ok, request({ sourceRanges: ['10.0.0.0/8'] }), true, 'desiredChanged: sourceRanges'],
    ['requested address', ok, request({ requestedAddress: '10.0.0.7' }), true, 'desiredChanged: requestedAddress'],
    [
      'provider options (from annotations)',
      ok,
      { ...request(), desired: withOptions },
      true,
      'desiredChanged: options',
    ],
    ['that field changed', optionsBefore, { ...request(), desired: withOtherOptions }, true, 'desiredChanged: options'],
    ['that field removed', optionsBefore, request(), true, 'desiredChanged: options'],
    ['that field unchanged', optionsBefore, { ...request(), desired: { ...withOptions } }, true, undefined],
  ];
  for (const [name, last, now, finalizer, expected] of table)
    assert.equal(ensureReason(last, now, finalizer), expected, name);
});

test('invalidSpecWarning: only when the condition does not say it already', () => {
  assert.deepEqual(invalidSpecWarning(service(), 'spec.ports: bad.'), {
    type: 'Warning',
    reason: 'SyncLoadBalancerFailed',
    message: 'Cannot ensure load balancer: spec.ports: bad.',
    once: true,
  });
  assert.equal(
    invalidSpecWarning(service({ condition: { message: 'spec.ports: bad.' } }), 'spec.ports: bad.'),
    undefined,
  );
});

test('ensuringEvent: when creating, or when the ports shown differ from the spec', () => {
  const listeners = [{ port: 80, protocol: 'TCP' as const, nodePort: 30080 }];
  const table: [string, ServiceShape, boolean][] = [
    ['no ingress yet', {}, true],
    ['shows the same ports', { shownPorts: [[80, 'TCP']] }, false],
    [
      'a port added',
      {
        shownPorts: [[80, 'TCP']],
        ports: [
          [80, 'TCP'],
          [53, 'UDP'],
        ],
      },
      true,
    ],
    ['a protocol changed', { shownPorts: [[80, 'UDP']] }, true],
  ];
  for (const [name, shape, expected] of table) {
    const event = ensuringEvent(service(shape), listeners);
    assert.equal(event !== undefined, expected, name);
    if (event) assert.equal(event.message, 'Ensuring load balancer with listeners 80/TCP', name);
  }
});

const accepted = (changed: boolean): LoadBalancerStatus => ({ ingress: [{ ip: '10.0.0.9' }], summary: 'lb', changed });

test('readyAfterEnsure: no nodes, then refused ports, then ensured', () => {
  const withRefused = { ...validation, refused: [sctp] };
  const table: [string, Validation, number, number, string, string][] = [
    ['served', validation, 2, 2, 'True', 'Ensured'],
    ['a port refused', withRefused, 2, 2, 'True', 'PortsRefused'],
    ['no eligible node', withRefused, 0, 3, 'False', 'NoEligibleNodes'],
    ['every port refused by the provider', { ...withRefused, listeners: [] }, 2, 2, 'False', 'PortsRefused'],
  ];
  for (const [name, v, targets, nodes, status, reason] of table) {
    const condition = readyAfterEnsure(accepted(true), v, { targets, nodes });
    assert.deepEqual([condition.status, condition.reason], [status, reason], name);
  }
  assert.match(readyAfterEnsure(accepted(true), validation, { targets: 0, nodes: 3 }).message, /all 3 nodes/);
  const none = readyAfterEnsure(accepted(true), { ...withRefused, listeners: [] }, { targets: 2, nodes: 2 });
  assert.equal(none.message, `No port is served: ${sctp.message}.`);
  assert.equal(readyAfterEnsure(accepted(false), validation, { targets: 1, nodes: 1 }).message, ready.message);
});

test('readyAfterEnsure and ensuredEvents: nodes that are not targets are named once, in one event', () => {
  const notTargets = [
    { nodeName: 'node-a', kind: 'noProviderID' as const, reason: 'no spec.providerID' },
    { nodeName: 'node-b', kind: 'instanceNotFound' as const, reason: 'instance i-123 does not exist' },
  ];
  const some = readyAfterEnsure(accepted(false), validation, { targets: 2, nodes: 4, notTargets });
  assert.deepEqual([some.status, some.reason], ['True', 'Ensured']);
  assert.match(some.message, /; 2 nodes are not targets: node-a \(no spec.providerID\), node-b \(instance i-123/);
  const none = readyAfterEnsure(accepted(false), validation, { targets: 0, nodes: 2, notTargets });
  assert.deepEqual([none.status, none.reason], ['False', 'NoEligibleNodes']);
  assert.match(none.message, /no available nodes for LoadBalancer: 2 nodes are not targets: node-a/);

  const condition = (c: ReadyCondition): V1Condition => ({
    type: CONDITION_TYPE,
    lastTransitionTime: new Date(0),
    ...c,
  });
  const base = { creating: false, validation, targetCount: 2, notTargets, ready: some };
  const table: [string, Parameters<typeof ensuredEvents>[0], string[]][] = [
    [
      'new in the condition',
      { ...base, previous: condition(ready), status: accepted(false) },
      ['Warning NodesNotTargets'],
    ],
    ['already shown', { ...base, previous: condition(some), status: accepted(false) }, []],
    [
      'the cloud changed',
      { ...base, previous: condition(some), status: accepted(true) },
      ['Normal UpdatedLoadBalancer', 'Warning NodesNotTargets'],
    ],
    [
      'no target left: the no-nodes warning says it',
      { ...base, targetCount: 0, ready: none, previous: condition(ready), status: accepted(false) },
      ['Warning UnAvailableLoadBalancer'],
    ],
  ];
  for (const [name, input, expected] of table)
    assert.deepEqual(
      ensuredEvents(input).map((e) => `${e.type} ${e.reason}`),
      expected,
      name,
    );
  const [updated, warning] = ensuredEvents(table[2]![1]);
  assert.match(updated?.message ?? '', / on 2 nodes; 2 nodes are not targets: node-a/);
  assert.equal(
    warning?.message,
    '2 nodes are not targets: node-a (no spec.providerID), node-b (instance i-123 does not exist); the load balancer serves the other 2.',
  );
});

test('ensuredEvents: Ensured vs Updated when the cloud changed; warnings when new', () => {
  const refusedV = { ...validation, refused: [sctp] };
  const portsRefused = readyAfterEnsure(accepted(false), refusedV, { targets: 1, nodes: 1 });
  const noNodes = readyAfterEnsure(accepted(false), validation, { targets: 0, nodes: 1 });
  const shown = (c: ReadyCondition): V1Condition => ({ type: CONDITION_TYPE, lastTransitionTime: new Date(0), ...c });
  const table: [string, Parameters<typeof ensuredEvents>[0], string[]][] = [
    [
      'created',
      { previous: undefined, creating: true, status: accepted(true), validation, targetCount: 1, ready },
      ['Normal EnsuredLoadBalancer always'],
    ],
    [
      'updated',
      { previous: shown(ready), creating: false, status: accepted(true), validation, targetCount: 1, ready },
      ['Normal UpdatedLoadBalancer always'],
    ],
    [
      'nothing changed',
      { previous: shown(ready), creating: false, status: accepted(false), validation, targetCount: 1, ready },
      [],
    ],
    [
      'a port newly refused',
      {
        previous: shown(ready),
        creating: false,
        status: accepted(false),
        validation: refusedV,
        targetCount: 1,
        ready: portsRefused,
      },
      ['Warning SyncLoadBalancerFailed once'],
    ],
    [
      'refused, already shown',
      {
        previous: shown(portsRefused),
        creating: false,
        status: accepted(false),
        validation: refusedV,
        targetCount: 1,
        ready: portsRefused,
      },
      [],
    ],
    [
      'refused, cloud changed',
      {
        previous: shown(portsRefused),
        creating: false,
        status: accepted(true),
        validation: refusedV,
        targetCount: 1,
        ready: portsRefused,
      },
      ['Normal UpdatedLoadBalancer always', 'Warning SyncLoadBalancerFailed once'],
    ],
    [
      'nodes gone',
      { previous: shown(ready), creating: false, status: accepted(false), validation, targetCount: 0, ready: noNodes },
      ['Warning UnAvailableLoadBalancer once'],
    ],
    [
      'nodes still gone',
      {
        previous: shown(noNodes),
        creating: false,
        status: accepted(false),
        validation,
        targetCount: 0,
        ready: noNodes,
      },
      [],
    ],
  ];
  for (const [name, input, expected] of table) {
    const events = ensuredEvents(input).map((e) => `${e.type} ${e.reason} ${e.once ? 'once' : 'always'}`);
    assert.deepEqual(events, expected, name);
  }
  const [created] = ensuredEvents(table[0]![1]);
  assert.equal(created?.message, 'Ensured load balancer 10.0.0.9 with listeners 80/TCP on 1 node.');
  const [, warning] = ensuredEvents(table[5]![1]);
  assert.equal(warning?.message, 'Port 9/SCTP refused. Still serving 80/TCP.');
  assert.equal(ensuredEvents(table[6]![1])[0]?.message, noNodes.message);
});

test('ensureFailure: requeue while provisioning, stop on permanent, retry the rest', () => {
  const provisioning = new RetryAfterError('NLB is provisioning', 1500);
  const permanent = new PermanentError('SCTP is not supported', { field: 'spec.ports' });
  const transient = new Error('connection reset');
  const table: [string, unknown, boolean, string, string | undefined, boolean][] = [
    ['provisioning a new one', provisioning, true, 'requeueAfter', 'Provisioning', false],
    ['provisioning an update', provisioning, false, 'requeueAfter', undefined, false],
    ['permanent on create', permanent, true, 'permanent', 'InvalidSpec', true],
    ['permanent on update', permanent, false, 'permanent', 'InvalidSpec', true],
    ['permanent, no field', new PermanentError('refused'), true, 'permanent', 'SyncFailed', true],
    ['transient on create', transient, true, 'retry', 'SyncFailed', true],
    ['transient on update: stays ready', transient, false, 'retry', undefined, true],
  ];
  for (const [name, err, creating, outcome, reason, warns] of table) {
    const verdict = ensureFailure(err, creating);
    assert.equal(verdict.outcome.kind, outcome, name);
    assert.equal(verdict.ready?.reason, reason, name);
    assert.equal(verdict.warning !== undefined, warns, name);
  }
  assert.deepEqual(ensureFailure(provisioning, true).outcome, { kind: 'requeueAfter', delayMs: 1500 });
  assert.equal(
    ensureFailure(provisioning, true).ready?.message,
    'The load balancer is being provisioned: NLB is provisioning',
  );
  assert.equal(
    ensureFailure(permanent, false).warning?.message,
    'Error syncing load balancer: SCTP is not supported (spec.ports)',
  );
  assert.deepEqual(ensureFailure(transient, false).outcome, { kind: 'retry', error: transient });
});
