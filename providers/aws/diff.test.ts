import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PermanentError } from '../../src/provider/errors/index.ts';
import { desiredLoadBalancer } from '../../test/support/desired.ts';
import { ANNOTATION_PREFIX, parseAnnotations } from './annotations.ts';
import {
  diffLoadBalancer,
  entriesToChange,
  healthCheckNeedsUpdate,
  ingressChanges,
  listenerNeedsUpdate,
  subnetsNeedUpdate,
  targetChanges,
  type Change,
} from './diff.ts';
import { planLoadBalancer, type Plan } from './plan.ts';
import type { EnsureState } from './read.ts';

const hc = {
  protocol: 'TCP' as const,
  port: 'traffic-port',
  path: undefined,
  intervalSeconds: 10,
  timeoutSeconds: 6,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
};
const tg = {
  HealthCheckProtocol: 'TCP' as const,
  HealthCheckPort: 'traffic-port',
  HealthCheckIntervalSeconds: 10,
  HealthCheckTimeoutSeconds: 6,
  HealthyThresholdCount: 2,
  UnhealthyThresholdCount: 2,
  HealthCheckEnabled: true,
};

test('health check: equal → no update; any field differs → update', () => {
  assert.equal(healthCheckNeedsUpdate(tg, hc), false);
  assert.equal(healthCheckNeedsUpdate({ ...tg, HealthCheckIntervalSeconds: 30 }, hc), true);
  assert.equal(healthCheckNeedsUpdate(tg, { ...hc, protocol: 'HTTP', port: '32000', path: '/healthz' }), true);
});

test('targets: register the new, deregister the gone, keep the rest', () => {
  const c = targetChanges(
    [
      { instanceID: 'i-1', port: 1 },
      { instanceID: 'i-2', port: 1 },
    ],
    [
      { instanceID: 'i-2', port: 1 },
      { instanceID: 'i-3', port: 1 },
    ],
  );
  assert.deepEqual(c, { register: [{ instanceID: 'i-3', port: 1 }], deregister: [{ instanceID: 'i-1', port: 1 }] });
  assert.deepEqual(targetChanges([{ instanceID: 'i-1', port: 1 }], [{ instanceID: 'i-1', port: 2 }]).register, [
    { instanceID: 'i-1', port: 2 },
  ]);
});

test('attributes: only wanted ones that differ', () => {
  assert.deepEqual(entriesToChange({ a: '1', b: '2' }, { a: '1', b: '3' }), { b: '3' });
});

test('listener: protocol or target differs → update', () => {
  const l = { Protocol: 'TCP' as const, DefaultActions: [{ Type: 'forward' as const, TargetGroupArn: 'arn1' }] };
  assert.equal(listenerNeedsUpdate(l, { port: 80, protocol: 'TCP', targetGroupName: 'x' }, 'arn1'), false);
  assert.equal(listenerNeedsUpdate(l, { port: 80, protocol: 'TCP_UDP', targetGroupName: 'x' }, 'arn1'), true);
  assert.equal(listenerNeedsUpdate(l, { port: 80, protocol: 'TCP', targetGroupName: 'x' }, 'arn2'), true);
});

test('subnets compare as sets', () => {
  const lb = { AvailabilityZones: [{ SubnetId: 's-1' }, { SubnetId: 's-2' }] };
  assert.equal(subnetsNeedUpdate(lb, ['s-2', 's-1']), false);
  assert.equal(subnetsNeedUpdate(lb, ['s-1']), true);
});

test('security group rules: authorize the missing, revoke the unwanted', () => {
  const wanted = [
    { protocol: 'tcp' as const, port: 80, cidr: '10.0.0.0/8' },
    { protocol: 'udp' as const, port: 53, cidr: '2001:db8::/32' },
  ];
  const c = ingressChanges([{ protocol: 'tcp', port: 80, cidr: '0.0.0.0/0' }], wanted);
  assert.equal(c.authorize.length, 2);
  assert.deepEqual(c.revoke, [{ protocol: 'tcp', port: 80, cidr: '0.0.0.0/0' }]);
});

// --- diffLoadBalancer: what was read × the plan → the ordered changes ---

const desired = desiredLoadBalancer({
  name: 'c1-0123456789ab',
  ownership: { clusterName: 'c1', serviceNamespace: 'ns', serviceName: 'web', serviceUID: 'uid-1' },
  listeners: [
    { port: 80, protocol: 'TCP', nodePort: 30080 },
    { port: 443, protocol: 'TCP', nodePort: 30443 },
  ],
  targets: [{ nodeName: 'n1', providerID: 'aws:///us-east-1a/i-01', addresses: [], labels: {} }],
});
const plan = planLoadBalancer(desired, parseAnnotations({}).options);
const [g80, g443] = plan.targetGroups.map((g) => g.name);

/** AWS as a clean ensure of `p` leaves it: nothing to change. */
function converged(p: Plan = plan): EnsureState {
  const arn = (name: string) => `arn:tg/${name}`;
  return {
    loadBalancer: {
      LoadBalancerArn: 'arn:nlb',
      Scheme: p.scheme,
      SecurityGroups: ['sg-1'],
      AvailabilityZones: [{ SubnetId: 'subnet-a' }, { SubnetId: 'subnet-b' }],
    },
    loadBalancerTags: p.tags,
    listeners: p.listeners.map((l) => ({
      ListenerArn: `arn:listener/${l.port}`,
      Port: l.port,
      Protocol: l.protocol,
      DefaultActions: [{ Type: 'forward' as const, TargetGroupArn: arn(l.targetGroupName) }],
    })),
    targetGroups: p.targetGroups.map((g) => ({
      group: {
        TargetGroupName: g.name,
        TargetGroupArn: arn(g.name),
        Protocol: g.protocol,
        TargetType: 'instance' as const,
        HealthCheckProtocol: g.healthCheck.protocol,
        HealthCheckPort: g.healthCheck.port,
        HealthCheckIntervalSeconds: g.healthCheck.intervalSeconds,
        HealthCheckTimeoutSeconds: g.healthCheck.timeoutSeconds,
        HealthyThresholdCount: g.healthCheck.healthyThreshold,
        UnhealthyThresholdCount: g.healthCheck.unhealthyThreshold,
      },
      tags: p.tags,
    })),
    foreignCount: 0,
    unattachedGroups: new Map(),
    previousLoadBalancers: [],
    subnets: ['subnet-a', 'subnet-b'],
    securityGroups: [{ groupID: 'sg-1', tags: p.tags, rules: p.ingressRules }],
    crossZone: undefined,
    groupDetails: new Map(p.targetGroups.map((g) => [g.name, { targets: g.targets, attributes: undefined }])),
  };
}

const nothing: EnsureState = {
  ...converged(),
  loadBalancer: undefined,
  loadBalancerTags: {},
  listeners: [],
  targetGroups: [],
  securityGroups: [],
  groupDetails: new Map(),
};

/** A change in a few words: its kind and what it acts on. */
function brief(c: Change): string {
  if ('group' in c) return `${c.kind} ${c.group === g80 ? 'tg80' : c.group === g443 ? 'tg443' : c.group}`;
  if ('port' in c) return `${c.kind} ${c.port}`;
  if (c.kind === 'deleteLoadBalancer') return `${c.kind} (${c.because})`;
  return c.kind;
}

test('diffLoadBalancer: each situation → the changes, in the order they apply', () => {
  const p8080 = planLoadBalancer(
    { ...desired, listeners: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] },
    parseAnnotations({}).options,
  );
  const withNode = planLoadBalancer(
    {
      ...desired,
      targets: [
        ...desired.targets,
        { nodeName: 'n2', providerID: 'aws:///us-east-1b/i-02', addresses: [], labels: {} },
      ],
    },
    parseAnnotations({}).options,
  );
  const narrowed = planLoadBalancer({ ...desired, sourceRanges: ['10.0.0.0/8'] }, parseAnnotations({}).options);
  const crossZone = planLoadBalancer(
    desired,
    parseAnnotations({ [`${ANNOTATION_PREFIX}cross-zone-load-balancing-enabled`]: 'true' }).options,
  );
  const created = [
    'createSecurityGroup',
    'authorizeIngress',
    'createLoadBalancer',
    'createTargetGroup tg80',
    'registerTargets tg80',
    'createTargetGroup tg443',
    'registerTargets tg443',
    'createListener 80',
    'createListener 443',
  ];
  const cases: { name: string; plan?: Plan; state: EnsureState; changes: string[] }[] = [
    { name: 'everything right: nothing', state: converged(), changes: [] },
    {
      name: 'nothing exists: all of it, security group first, listeners after their groups',
      state: nothing,
      changes: created,
    },
    {
      name: 'a node more: only its registrations',
      plan: withNode,
      state: converged(),
      changes: ['registerTargets tg80', 'registerTargets tg443'],
    },
    {
      name: 'a port less: its rule, its listener, then its group',
      plan: p8080,
      state: converged(),
      changes: ['revokeIngress', 'deleteListener', 'deleteTargetGroups'],
    },
    {
      name: 'source ranges narrowed: the rules only',
      plan: narrowed,
      state: converged(),
      changes: ['authorizeIngress', 'revokeIngress'],
    },
    {
      name: 'the scheme changed: a new NLB with new listeners, the groups kept',
      state: converged({ ...plan, scheme: 'internal' }),
      changes: ['deleteLoadBalancer (scheme)', 'createLoadBalancer', 'createListener 80', 'createListener 443'],
    },
    {
      name: 'the name changed: the NLB under the old name goes, the groups move over',
      state: {
        ...nothing,
        securityGroups: converged().securityGroups,
        unattachedGroups: new Map(converged().targetGroups.map((g) => [g.group.TargetGroupName ?? '', g])),
        groupDetails: converged().groupDetails,
        previousLoadBalancers: ['arn:old-nlb'],
      },
      changes: ['deleteLoadBalancer (name)', 'createLoadBalancer', 'createListener 80', 'createListener 443'],
    },
    {
      name: 'a listener deleted by hand comes back, forwarding to its group',
      state: { ...converged(), listeners: converged().listeners.slice(1) },
      changes: ['createListener 80'],
    },
    {
      name: 'cross-zone on a new NLB: set after it exists (its current value read then)',
      plan: crossZone,
      state: nothing,
      changes: [...created.slice(0, 3), 'setCrossZone', ...created.slice(3)],
    },
    {
      name: 'cross-zone already as planned: nothing',
      plan: crossZone,
      state: { ...converged(), crossZone: 'true' },
      changes: [],
    },
  ];
  for (const c of cases) {
    const { changes } = diffLoadBalancer(c.plan ?? plan, c.state);
    assert.deepEqual(changes.map(brief), c.changes, c.name);
  }
});

test('diffLoadBalancer: what the cloud holds and no change can fix is refused before any write', () => {
  const named = planLoadBalancer(desired, parseAnnotations({ [`${ANNOTATION_PREFIX}name`]: 'shared' }).options);
  assert.throws(
    () => diffLoadBalancer(named, { ...nothing, foreignCount: 1 }),
    (e: unknown) => e instanceof PermanentError && e.field === `metadata.annotations[${ANNOTATION_PREFIX}name]`,
  );
  const eips = planLoadBalancer(
    desired,
    parseAnnotations({ [`${ANNOTATION_PREFIX}eip-allocations`]: 'eipalloc-01' }).options,
  );
  assert.throws(
    () => diffLoadBalancer(eips, nothing),
    (e: unknown) => e instanceof PermanentError && /1 allocation\(s\) for 2 subnet\(s\)/.test(e.message),
  );
  assert.throws(
    () => diffLoadBalancer(plan, { ...nothing, unattachedGroups: new Map([[g80 ?? '', 'foreign']]) }),
    (e: unknown) => e instanceof PermanentError && /not owned by this operator/.test(e.message),
  );
  const [udp] = converged().targetGroups;
  assert.ok(udp !== undefined);
  assert.throws(
    () =>
      diffLoadBalancer(plan, {
        ...converged(),
        targetGroups: [{ ...udp, group: { ...udp.group, Protocol: 'UDP' } }],
      }),
    (e: unknown) => e instanceof PermanentError && /cannot be changed in place/.test(e.message),
  );
});

test('diffLoadBalancer: what it keeps is what the changes refer to', () => {
  const { known } = diffLoadBalancer(plan, converged());
  assert.equal(known.loadBalancer?.LoadBalancerArn, 'arn:nlb');
  assert.equal(known.securityGroupID, 'sg-1');
  assert.deepEqual([...known.targetGroupArns.keys()], [g80, g443]);
  const fresh = diffLoadBalancer(plan, nothing).known;
  assert.deepEqual(fresh, { loadBalancer: undefined, securityGroupID: undefined, targetGroupArns: new Map() });
});
