import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANNOTATION_PREFIX as P, interpretAnnotations, parseAnnotations } from './annotations.ts';

test('no annotations: internet-facing, no problems, options with nothing set', () => {
  const interpretation = interpretAnnotations({});
  assert.equal(interpretation.scheme, 'External');
  assert.deepEqual(interpretation.problems, []);
  assert.deepEqual(interpretation.options, parseAnnotations({}).options);
  assert.equal(interpretation.options.name, undefined);
});

test('interpret returns the options ensure receives: parsed once, typed', () => {
  const { options } = interpretAnnotations({ [`${P}name`]: 'web', [`${P}cross-zone-load-balancing-enabled`]: 'true' });
  assert.equal(options.name, 'web');
  assert.equal(options.crossZone, true);
});

test('scheme from aws-load-balancer-scheme and from the legacy internal annotation', () => {
  assert.equal(interpretAnnotations({ [`${P}scheme`]: 'internal' }).scheme, 'Internal');
  assert.equal(interpretAnnotations({ [`${P}scheme`]: 'internet-facing' }).scheme, 'External');
  assert.equal(interpretAnnotations({ [`${P}internal`]: 'true' }).scheme, 'Internal');
  assert.equal(interpretAnnotations({ [`${P}internal`]: '0.0.0.0/0' }).scheme, 'Internal');
  assert.equal(interpretAnnotations({ [`${P}internal`]: 'false' }).scheme, 'External');
});

test('contradicting scheme and internal is a problem', () => {
  const r = interpretAnnotations({ [`${P}scheme`]: 'internet-facing', [`${P}internal`]: 'true' });
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0]?.field, `metadata.annotations[${P}internal]`);
});

test('well-formed values are parsed into typed options', () => {
  const { options, problems } = parseAnnotations({
    [`${P}type`]: 'nlb',
    [`${P}subnets`]: 'subnet-0a, subnet-0b',
    [`${P}eip-allocations`]: 'eipalloc-01,eipalloc-02',
    [`${P}name`]: 'my-nlb',
    [`${P}healthcheck-protocol`]: 'http',
    [`${P}healthcheck-port`]: '10256',
    [`${P}healthcheck-path`]: '/ready',
    [`${P}healthcheck-interval`]: '30',
    [`${P}healthcheck-timeout`]: '10',
    [`${P}healthcheck-healthy-threshold`]: '3',
    [`${P}healthcheck-unhealthy-threshold`]: '4',
    [`${P}target-group-attributes`]: 'preserve_client_ip.enabled=true,deregistration_delay.timeout_seconds=120',
    [`${P}additional-resource-tags`]: 'team=web,env=prod',
    [`${P}cross-zone-load-balancing-enabled`]: 'true',
    [`${P}target-node-labels`]: 'pool=edge',
    'unrelated.example.com/x': 'anything',
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(options.subnets, ['subnet-0a', 'subnet-0b']);
  assert.deepEqual(options.eipAllocations, ['eipalloc-01', 'eipalloc-02']);
  assert.equal(options.name, 'my-nlb');
  assert.deepEqual(options.healthCheck, {
    protocol: 'HTTP',
    port: 10256,
    path: '/ready',
    intervalSeconds: 30,
    timeoutSeconds: 10,
    healthyThreshold: 3,
    unhealthyThreshold: 4,
  });
  assert.deepEqual(options.targetGroupAttributes, {
    'preserve_client_ip.enabled': 'true',
    'deregistration_delay.timeout_seconds': '120',
  });
  assert.deepEqual(options.additionalTags, { team: 'web', env: 'prod' });
  assert.equal(options.crossZone, true);
  assert.deepEqual(options.targetNodeLabels, { pool: 'edge' });
});

const malformed: [string, string][] = [
  ['type', 'classic'],
  ['nlb-target-type', 'ip'],
  ['scheme', 'public'],
  ['internal', 'yes'],
  ['subnets', 'subnet-xyz!'],
  ['subnets', ''],
  ['eip-allocations', 'eip-1'],
  ['name', 'internal-foo'],
  ['name', 'a'.repeat(33)],
  ['name', 'has_underscore'],
  ['healthcheck-protocol', 'UDP'],
  ['healthcheck-port', '70000'],
  ['healthcheck-port', 'abc'],
  ['healthcheck-path', 'no-slash'],
  ['healthcheck-interval', '4'],
  ['healthcheck-timeout', '121'],
  ['healthcheck-healthy-threshold', '1'],
  ['healthcheck-unhealthy-threshold', '11'],
  ['target-group-attributes', 'stickiness.type=lb_cookie'],
  ['target-group-attributes', 'unknown.key=1'],
  ['target-group-attributes', 'novalue'],
  ['additional-resource-tags', 'aws:reserved=x'],
  ['additional-resource-tags', 'cloudlb.dev/service-uid=x'],
  ['additional-resource-tags', 'kubernetes.io/cluster/other=owned'],
  ['cross-zone-load-balancing-enabled', 'yes'],
  ['target-node-labels', 'bad key=v'],
];

for (const [key, value] of malformed) {
  test(`malformed ${key}=${JSON.stringify(value)} names the annotation and what it accepts`, () => {
    const r = interpretAnnotations({ [`${P}${key}`]: value });
    assert.equal(r.problems.length, 1, JSON.stringify(r.problems));
    assert.equal(r.problems[0]?.field, `metadata.annotations[${P}${key}]`);
    assert.match(r.problems[0]?.message ?? '', /accepts/);
  });
}

test('an unknown aws-load-balancer-* annotation is a problem that lists the supported ones', () => {
  const r = interpretAnnotations({ [`${P}ssl-cert`]: 'arn:aws:acm:x' });
  assert.equal(r.problems[0]?.field, `metadata.annotations[${P}ssl-cert]`);
  assert.match(r.problems[0]?.message ?? '', /not supported/);
});

test('eip-allocations: only for internet-facing, one per listed subnet', () => {
  const internal = interpretAnnotations({ [`${P}scheme`]: 'internal', [`${P}eip-allocations`]: 'eipalloc-1' });
  assert.match(internal.problems[0]?.message ?? '', /internet-facing/);
  const mismatch = interpretAnnotations({
    [`${P}subnets`]: 'subnet-1,subnet-2',
    [`${P}eip-allocations`]: 'eipalloc-1',
  });
  assert.match(mismatch.problems[0]?.message ?? '', /exactly one allocation per subnet/);
});
