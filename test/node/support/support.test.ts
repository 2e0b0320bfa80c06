// The pure parts of the in-cluster test support: which pod a Lease holder is, the throw-away
// overlay, and reading the operator's JSON log.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { DEPLOY_DIR } from '../../deploy/render.ts';
import { overlayKustomization } from './install.ts';
import { logLines } from './logs.ts';
import { holderPod, podName } from './pods.ts';

const pod = (name: string): V1Pod => ({ metadata: { name } });

test('a Lease holder is the pod whose name it extends with six hex digits', () => {
  const pods = [pod('cloud-lb-operator-5d9f-abcde'), pod('cloud-lb-operator-5d9f-abcd')];
  assert.equal(podName(holderPod(pods, 'cloud-lb-operator-5d9f-abcde-0a1b2c') ?? {}), 'cloud-lb-operator-5d9f-abcde');
  assert.equal(podName(holderPod(pods, 'cloud-lb-operator-5d9f-abcd-0a1b2c') ?? {}), 'cloud-lb-operator-5d9f-abcd');
  assert.equal(holderPod(pods, 'cloud-lb-operator-5d9f-abcdef-0a1b2c'), undefined);
  assert.equal(holderPod(pods, 'somebody-else-0a1b2c'), undefined);
  assert.equal(holderPod(pods, ''), undefined);
  assert.equal(holderPod(pods, undefined), undefined);
});

test("a pod on the host network campaigns under this machine's hostname", () => {
  const hostPod: V1Pod = { metadata: { name: 'cloud-lb-operator-abc' }, spec: { hostNetwork: true, containers: [] } };
  assert.equal(holderPod([hostPod], `${hostname()}-0a1b2c`), hostPod);
  assert.equal(holderPod([hostPod], 'cloud-lb-operator-abc-0a1b2c'), undefined);
});

test('the throw-away overlay names deploy/ relatively, the image, the cluster name and the extras', () => {
  const dir = '/tmp/cloudlb-install-x';
  const k = JSON.parse(
    overlayKustomization(dir, {
      from: 'overlays/local',
      image: 'docker.io/library/cloud-lb-operator:v1-2-gabc',
      clusterName: 'traffic-1',
      resources: ['a'],
      patches: ['b', 'c'],
    }),
  ) as Record<string, unknown>;
  const [deploy, ...extras] = k['resources'] as string[];
  // kustomize refuses absolute paths: relative, and leading back to deploy/.
  assert.ok(deploy !== undefined && !isAbsolute(deploy), deploy);
  assert.equal(resolve(dir, deploy), join(DEPLOY_DIR, 'overlays/local'));
  assert.deepEqual(extras, ['extra-0.yaml']);
  assert.deepEqual(k['patches'], [{ path: 'patch-0.yaml' }, { path: 'patch-1.yaml' }]);
  assert.deepEqual(k['images'], [
    { name: 'cloud-lb-operator', newName: 'docker.io/library/cloud-lb-operator', newTag: 'v1-2-gabc' },
  ]);
  assert.deepEqual((k['configMapGenerator'] as { literals: string[] }[])[0]?.literals, ['cluster-name=traffic-1']);
});

test('log lines: JSON lines with the message, other lines ignored', () => {
  const text = ['{"msg":"stopping","signal":"SIGTERM"}', 'not json', '{"msg":"other"}', ''].join('\n');
  assert.deepEqual(logLines(text, 'stopping'), [{ msg: 'stopping', signal: 'SIGTERM' }]);
});
