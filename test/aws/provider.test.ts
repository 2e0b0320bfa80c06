// The AWS provider with the real SDK against moto_server: lifecycle, convergence, ownership.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  DescribeTagsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { startMoto, type Moto } from '../harness/moto.ts';
import { PermanentError } from '../../src/provider/errors/index.ts';
import { ownershipTags, toTagList } from '../../providers/aws/ownership.ts';
import { awsOptions, census, countedProvider, node, rawClients, seedNetwork, service, signal } from './fixtures.ts';

const P = 'service.beta.kubernetes.io/aws-load-balancer-';
let moto: Moto;
let subnets: string[] = [];

before(async () => {
  moto = await startMoto();
});
after(async () => {
  await moto.stop();
});
beforeEach(async () => {
  await moto.reset();
  ({ subnets } = await seedNetwork(moto.endpoint));
});

async function describe(name: string) {
  const { elbv2 } = rawClients(moto.endpoint);
  const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({ Names: [name] }))).LoadBalancers ?? [];
  const lb = lbs[0];
  const arn = lb?.LoadBalancerArn ?? '';
  const listeners =
    lb === undefined
      ? []
      : ((await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: arn }))).Listeners ?? []);
  const groups =
    lb === undefined
      ? []
      : ((await elbv2.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: arn }))).TargetGroups ?? []);
  const targets = new Map<string, string[]>();
  for (const g of groups) {
    const h = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: g.TargetGroupArn ?? '' }));
    targets.set(
      g.TargetGroupName ?? '',
      (h.TargetHealthDescriptions ?? []).map((d) => `${d.Target?.Id}:${d.Target?.Port}`).sort(),
    );
  }
  elbv2.destroy();
  return { count: lbs.length, lb, listeners: listeners.map((l) => `${l.Port}/${l.Protocol}`).sort(), groups, targets };
}

test('lifecycle: create, no-op, add/remove port, add/remove node, change scheme, delete', async () => {
  const c = countedProvider(moto.endpoint);
  let svc = service();
  const created = await c.provider.ensure(svc, signal());
  assert.equal(created.changed, true);
  assert.match(created.ingress[0]?.hostname ?? '', /elb\.amazonaws\.com$/);
  assert.match(created.summary, /NLB .* \(internet-facing\).* listeners 80\/TCP, 443\/TCP forwarding to 2 nodes/);
  let aws = await describe(svc.name);
  assert.equal(aws.count, 1);
  assert.equal(aws.lb?.Scheme, 'internet-facing');
  assert.deepEqual(aws.listeners, ['443/TCP', '80/TCP']);
  assert.deepEqual([...aws.targets.values()].flat().sort(), [
    'i-0000000000000001:30080',
    'i-0000000000000001:30443',
    'i-0000000000000002:30080',
    'i-0000000000000002:30443',
  ]);
  assert.equal(aws.groups[0]?.HealthCheckProtocol, 'TCP');
  assert.equal(aws.groups[0]?.HealthCheckPort, 'traffic-port');

  c.reset();
  const again = await c.provider.ensure(svc, signal());
  assert.equal(again.changed, false);
  assert.equal(c.mutating(), 0, JSON.stringify([...c.calls]));

  svc = { ...svc, listeners: [...svc.listeners, { port: 8080, protocol: 'TCP', nodePort: 30808 }] };
  assert.equal((await c.provider.ensure(svc, signal())).changed, true);
  assert.deepEqual((await describe(svc.name)).listeners, ['443/TCP', '80/TCP', '8080/TCP']);

  svc = { ...svc, listeners: svc.listeners.filter((l) => l.port !== 443) };
  await c.provider.ensure(svc, signal());
  aws = await describe(svc.name);
  assert.deepEqual(aws.listeners, ['80/TCP', '8080/TCP']);
  assert.equal((await census(moto.endpoint)).targetGroups.length, 2, 'the 443 target group is deleted');

  svc = { ...svc, targets: [...svc.targets, node('n3', 'i-0000000000000003')] };
  await c.provider.ensure(svc, signal());
  assert.ok([...(await describe(svc.name)).targets.values()].every((t) => t.length === 3));

  svc = { ...svc, targets: svc.targets.filter((t) => t.nodeName !== 'n1') };
  await c.provider.ensure(svc, signal());
  for (const t of (await describe(svc.name)).targets.values())
    assert.ok(!t.some((x) => x.startsWith('i-0000000000000001')), t.join());

  svc = { ...svc, scheme: 'Internal' };
  const replaced = await c.provider.ensure(svc, signal());
  assert.equal(replaced.changed, true);
  aws = await describe(svc.name);
  assert.equal(aws.count, 1, 'the old NLB is gone');
  assert.equal(aws.lb?.Scheme, 'internal');
  assert.deepEqual(aws.listeners, ['80/TCP', '8080/TCP']);

  await c.provider.delete(svc, signal());
  assert.deepEqual(await census(moto.endpoint), { loadBalancers: [], targetGroups: [], securityGroups: [] });
  await c.provider.delete(svc, signal());
  await c.provider.close();
});

test('TCP and UDP on the same port become one TCP_UDP listener and target group', async () => {
  const c = countedProvider(moto.endpoint);
  const svc = service({
    listeners: [
      { port: 53, protocol: 'UDP', nodePort: 30053 },
      { port: 53, protocol: 'TCP', nodePort: 30053 },
    ],
  });
  const status = await c.provider.ensure(svc, signal());
  assert.match(status.summary, /53\/TCP_UDP/);
  const aws = await describe(svc.name);
  assert.deepEqual(aws.listeners, ['53/TCP_UDP']);
  assert.equal(aws.groups.length, 1);
  assert.equal(aws.groups[0]?.Protocol, 'TCP_UDP');
  await c.provider.close();
});

test('drift: a listener and a target group deleted by hand come back', async () => {
  const c = countedProvider(moto.endpoint);
  const svc = service();
  await c.provider.ensure(svc, signal());
  const before = await describe(svc.name);
  const { elbv2 } = rawClients(moto.endpoint);
  const listeners =
    (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: before.lb?.LoadBalancerArn ?? '' }))).Listeners ??
    [];
  for (const l of listeners) await elbv2.send(new DeleteListenerCommand({ ListenerArn: l.ListenerArn ?? '' }));
  await elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: before.groups[0]?.TargetGroupArn ?? '' }));
  elbv2.destroy();
  const repaired = await c.provider.ensure(svc, signal());
  assert.equal(repaired.changed, true);
  const aws = await describe(svc.name);
  assert.deepEqual(aws.listeners, before.listeners);
  assert.equal(aws.groups.length, 2);
  assert.ok([...aws.targets.values()].every((t) => t.length === 2));
  c.reset();
  assert.equal((await c.provider.ensure(svc, signal())).changed, false);
  assert.equal(c.mutating(), 0);
  await c.provider.close();
});

test('a foreign NLB with the same name is never touched', async () => {
  const { elbv2 } = rawClients(moto.endpoint);
  await elbv2.send(
    new CreateLoadBalancerCommand({
      Name: 'shared-name',
      Type: 'network',
      Subnets: [subnets[0] ?? ''],
      Tags: [{ Key: 'owner', Value: 'someone-else' }],
    }),
  );
  const c = countedProvider(moto.endpoint);
  const svc = service({ annotations: { [`${P}name`]: 'shared-name' } });
  await assert.rejects(
    c.provider.ensure(svc, signal()),
    (e: unknown) => e instanceof PermanentError && e.field === `metadata.annotations[${P}name]`,
  );
  assert.equal(c.mutating(), 0);
  await c.provider.delete(svc, signal());
  const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({ Names: ['shared-name'] }))).LoadBalancers ?? [];
  assert.equal(lbs.length, 1);
  assert.equal(
    (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lbs[0]?.LoadBalancerArn ?? '' }))).Listeners
      ?.length ?? 0,
    0,
  );
  const tags = await elbv2.send(new DescribeTagsCommand({ ResourceArns: [lbs[0]?.LoadBalancerArn ?? ''] }));
  assert.deepEqual(tags.TagDescriptions?.[0]?.Tags, [{ Key: 'owner', Value: 'someone-else' }]);
  elbv2.destroy();
  await c.provider.close();
});

test('ownership tags, additional tags, source ranges and a custom name', async () => {
  const c = countedProvider(moto.endpoint);
  const svc = service({
    sourceRanges: ['10.0.0.0/8', '192.168.0.0/16'],
    annotations: {
      [`${P}name`]: 'custom-nlb',
      [`${P}additional-resource-tags`]: 'team=web',
      [`${P}scheme`]: 'internal',
    },
    scheme: 'Internal',
  });
  await c.provider.ensure(svc, signal());
  const aws = await describe('custom-nlb');
  assert.equal(aws.lb?.Scheme, 'internal');
  const { elbv2, ec2 } = rawClients(moto.endpoint);
  const tags = await elbv2.send(
    new DescribeTagsCommand({
      ResourceArns: [aws.lb?.LoadBalancerArn ?? '', ...aws.groups.map((g) => g.TargetGroupArn ?? '')],
    }),
  );
  for (const d of tags.TagDescriptions ?? []) {
    const t: Record<string, string | undefined> = Object.fromEntries((d.Tags ?? []).map((x) => [x.Key ?? '', x.Value]));
    assert.equal(t['cloudlb.dev/service-uid'], svc.ownership.serviceUID);
    assert.equal(t['kubernetes.io/cluster/test-cluster'], 'owned');
    assert.equal(t['kubernetes.io/service-name'], `default/${svc.ownership.serviceName}`);
    assert.equal(t['cloudlb.dev/managed-by'], 'cloud-lb-operator');
    assert.equal(t['team'], 'web');
  }
  const sg = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: aws.lb?.SecurityGroups ?? [] })))
    .SecurityGroups?.[0];
  const cidrs = (sg?.IpPermissions ?? [])
    .flatMap((p) => (p.IpRanges ?? []).map((r) => `${p.IpProtocol}:${p.FromPort}:${r.CidrIp}`))
    .sort();
  assert.deepEqual(cidrs, [
    'tcp:443:10.0.0.0/8',
    'tcp:443:192.168.0.0/16',
    'tcp:80:10.0.0.0/8',
    'tcp:80:192.168.0.0/16',
  ]);
  elbv2.destroy();
  ec2.destroy();

  c.reset();
  await c.provider.ensure({ ...svc, sourceRanges: ['10.0.0.0/8'] }, signal());
  assert.deepEqual(
    [...c.calls.keys()].filter((op) => op.startsWith('ec2:') && !op.includes('Describe')),
    ['ec2:RevokeSecurityGroupIngress'],
  );

  // A fresh provider instance (as after a Secret rotation) still deletes the custom-named NLB.
  const fresh = countedProvider(moto.endpoint);
  await fresh.provider.delete(svc, signal());
  assert.deepEqual(await census(moto.endpoint), { loadBalancers: [], targetGroups: [], securityGroups: [] });
  await c.provider.close();
  await fresh.provider.close();
});

test("listOwned finds this cluster's load balancers by tag and nothing else", async () => {
  const c = countedProvider(moto.endpoint);
  const a = service();
  const b = service({ listeners: [{ port: 53, protocol: 'UDP', nodePort: 30053 }] });
  await c.provider.ensure(a, signal());
  await c.provider.ensure(b, signal());
  const other = countedProvider(moto.endpoint);
  const { elbv2 } = rawClients(moto.endpoint);
  await elbv2.send(new CreateLoadBalancerCommand({ Name: 'not-ours', Type: 'network', Subnets: [subnets[0] ?? ''] }));
  elbv2.destroy();
  const owned = [];
  for await (const ref of c.provider.listOwned(signal())) owned.push(ref);
  assert.deepEqual(
    owned.map((r) => r.ownership.serviceUID).sort(),
    [a.ownership.serviceUID, b.ownership.serviceUID].sort(),
  );
  assert.deepEqual(
    owned.find((r) => r.ownership.serviceUID === a.ownership.serviceUID),
    { name: a.name, ownership: a.ownership },
  );
  await other.provider.close();
  await c.provider.close();
});

test('nodes without an AWS providerID are skipped and named in the summary and skippedTargets', async () => {
  const c = countedProvider(moto.endpoint);
  const svc = service({
    targets: [
      node('n1', 'i-0000000000000001'),
      { nodeName: 'kind-node', providerID: 'kind://docker/kind/kind-node', addresses: [], labels: {} },
    ],
  });
  const status = await c.provider.ensure(svc, signal());
  assert.match(
    status.summary,
    /Node kind-node is not a target: spec.providerID kind:\/\/docker\/kind\/kind-node is not an AWS/,
  );
  assert.deepEqual(status.skippedTargets, [
    {
      nodeName: 'kind-node',
      kind: 'elsewhere',
      reason: 'spec.providerID kind://docker/kind/kind-node is not an AWS instance',
    },
  ]);
  assert.ok([...(await describe(svc.name)).targets.values()].every((t) => t.length === 1));
  await c.provider.close();
});

test('externalTrafficPolicy Local: HTTP /healthz on the health check node port', async () => {
  const c = countedProvider(moto.endpoint);
  const svc = service({ healthCheck: { kind: 'HTTP', port: 32100, path: '/healthz' } });
  await c.provider.ensure(svc, signal());
  const g = (await describe(svc.name)).groups[0];
  assert.equal(g?.HealthCheckProtocol, 'HTTP');
  assert.equal(g?.HealthCheckPort, '32100');
  assert.equal(g?.HealthCheckPath, '/healthz');
  await c.provider.close();
});

test('malformed annotations are problems of interpret; impossible EIP counts fail before any AWS write', async () => {
  const c = countedProvider(moto.endpoint);
  const { problems } = c.provider.interpret({ [`${P}healthcheck-interval`]: 'often' });
  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.field, `metadata.annotations[${P}healthcheck-interval]`);
  assert.match(problems[0]?.message ?? '', /5 to 300/);
  assert.equal(c.calls.size, 0);
  await assert.rejects(
    c.provider.ensure(service({ annotations: { [`${P}eip-allocations`]: 'eipalloc-01' } }), signal()),
    (e: unknown) => e instanceof PermanentError && e.field === `metadata.annotations[${P}eip-allocations]`,
  );
  assert.equal(c.mutating(), 0);
  await c.provider.close();
});

test('a bad spec.aws throws PermanentError naming the field, without any call', () => {
  assert.throws(
    () => countedProvider(moto.endpoint, { region: 'nowhere' }),
    (e: unknown) => e instanceof PermanentError && e.field === 'spec.aws.region',
  );
  assert.throws(
    () => countedProvider(moto.endpoint, { subnetIDs: ['sn-1'] }),
    (e: unknown) => e instanceof PermanentError && /spec\.aws\.subnetIDs/.test(e.field ?? ''),
  );
});

test('a changed name annotation replaces the NLB: the old one is deleted, not left behind', async () => {
  const c = countedProvider(moto.endpoint);
  const svc = service({ annotations: { [`${P}name`]: 'first-nlb' } });
  await c.provider.ensure(svc, signal());
  // A fresh instance, as after a restart: it has no memory of the first name.
  const fresh = countedProvider(moto.endpoint);
  const renamed = { ...svc, options: awsOptions({ [`${P}name`]: 'second-nlb' }) };
  const status = await fresh.provider.ensure(renamed, signal());
  assert.equal(status.changed, true);
  assert.deepEqual((await census(moto.endpoint)).loadBalancers, ['second-nlb']);
  assert.deepEqual((await describe('second-nlb')).listeners, ['443/TCP', '80/TCP']);
  await fresh.provider.delete(renamed, signal());
  assert.deepEqual(await census(moto.endpoint), { loadBalancers: [], targetGroups: [], securityGroups: [] });
  await c.provider.close();
  await fresh.provider.close();
});

test('delete also removes our target group that a crash left without a listener, and no foreign one', async () => {
  const c = countedProvider(moto.endpoint);
  const svc = service();
  await c.provider.ensure(svc, signal());
  const [nlbName] = (await census(moto.endpoint)).loadBalancers;
  const vpcId = (await describe(nlbName ?? '')).lb?.VpcId;
  const { elbv2 } = rawClients(moto.endpoint);
  // What a crash between CreateTargetGroup and CreateListener leaves: ours, tagged, attached to nothing.
  await elbv2.send(
    new CreateTargetGroupCommand({
      Name: 'stray-8080-tcp',
      Protocol: 'TCP',
      Port: 30080,
      VpcId: vpcId,
      TargetType: 'instance',
      Tags: toTagList(ownershipTags(svc)),
    }),
  );
  await elbv2.send(
    new CreateTargetGroupCommand({
      Name: 'foreign-tg',
      Protocol: 'TCP',
      Port: 30081,
      VpcId: vpcId,
      TargetType: 'instance',
    }),
  );
  elbv2.destroy();
  await c.provider.delete(svc, signal());
  assert.deepEqual(await census(moto.endpoint), {
    loadBalancers: [],
    targetGroups: ['foreign-tg'],
    securityGroups: [],
  });
  await c.provider.close();
});
