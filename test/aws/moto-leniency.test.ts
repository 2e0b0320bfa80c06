// Where moto is more lenient than AWS (docs/pitfalls.md): it builds what AWS refuses. Each test
// shows moto accepting it, then that the operator refuses it first, so the emulator's leniency
// cannot hide a Service that real AWS would fail on every retry.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { validate } from '../../src/controller/validate.ts';
import { AWS_CAPABILITIES } from '../../providers/aws/provider.ts';
import { parseAnnotations, ANNOTATION_PREFIX } from '../../providers/aws/annotations.ts';
import { startMoto, type Moto } from '../harness/moto.ts';
import { desiredLoadBalancer } from '../support/desired.ts';
import { rawClients, seedNetwork } from './fixtures.ts';

let moto: Moto;
let subnets: string[];
let vpcID: string;

before(async () => {
  moto = await startMoto();
  ({ subnets, vpcID } = await seedNetwork(moto.endpoint));
});

after(async () => {
  await moto.stop();
});

test('moto gives one NLB 51 listeners (AWS allows 50); the operator refuses the 51st port first', async () => {
  const { elbv2 } = rawClients(moto.endpoint);
  const lb = await elbv2.send(new CreateLoadBalancerCommand({ Name: 'lenient-51', Type: 'network', Subnets: subnets }));
  const lbArn = lb.LoadBalancers?.[0]?.LoadBalancerArn ?? assert.fail('no NLB');
  const tg = await elbv2.send(
    new CreateTargetGroupCommand({
      Name: 'lenient-51',
      Protocol: 'TCP',
      Port: 30000,
      VpcId: vpcID,
      TargetType: 'instance',
    }),
  );
  const tgArn = tg.TargetGroups?.[0]?.TargetGroupArn ?? assert.fail('no target group');
  for (let i = 0; i < 51; i++) {
    await elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: lbArn,
        Protocol: 'TCP',
        Port: 1000 + i,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }],
      }),
    );
  }
  const listeners = await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }));
  assert.equal(listeners.Listeners?.length, 51, 'moto accepted the 51st listener');
  elbv2.destroy();

  const ports = Array.from({ length: 51 }, (_, i) => ({
    port: 1000 + i,
    protocol: 'TCP' as const,
    nodePort: 31000 + i,
  }));
  const v = validate({
    service: { metadata: { name: 's', namespace: 'n' } },
    desired: desiredLoadBalancer({ listeners: ports }),
    capabilities: AWS_CAPABILITIES,
    interpretation: { scheme: 'External', options: undefined, problems: [] },
    provider: { name: 'aws', type: 'aws' },
  });
  assert.deepEqual(
    v.problems.map((p) => p.field),
    ['spec.ports'],
  );
});

test('moto names an NLB with more than 32 characters (AWS allows 32); the operator refuses the annotation first', async () => {
  const { elbv2 } = rawClients(moto.endpoint);
  const name = 'a-load-balancer-name-of-40-characters-xx';
  assert.equal(name.length, 40);
  const lb = await elbv2.send(new CreateLoadBalancerCommand({ Name: name, Type: 'network', Subnets: subnets }));
  assert.equal(lb.LoadBalancers?.[0]?.LoadBalancerName, name, 'moto accepted the long name');
  elbv2.destroy();

  const parsed = parseAnnotations({ [`${ANNOTATION_PREFIX}name`]: name });
  assert.deepEqual(
    parsed.problems.map((p) => p.field),
    [`metadata.annotations[${ANNOTATION_PREFIX}name]`],
  );
});
