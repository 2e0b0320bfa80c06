// deploy/ on a real node: two operator pods from this tree's image, with the shipped RBAC, pod
// security, probes and leader election. What the kernel enforces is read from the container's own
// process, not only from the pod spec. Prints the operator pod's RSS and its start → Ready time.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { V1Container, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { realNodeSkip } from '../harness/node.ts';
import { OPERATOR_NAMESPACE } from './support/install.ts';
import { installOperator, waitForOperator, type OperatorInCluster } from './support/operator.ts';
import { containerPid, podName, rssBytes, startToReadySeconds } from './support/pods.ts';

const skip = realNodeSkip();

function shipped(operator: OperatorInCluster): {
  pod: NonNullable<V1Deployment['spec']>['template']['spec'];
  container: V1Container;
} {
  const deployment = operator.installed.objects.find((o) => o.kind === 'Deployment') as V1Deployment | undefined;
  const pod = deployment?.spec?.template.spec;
  const container = pod?.containers[0];
  assert.ok(pod && container, 'deploy/ renders the operator Deployment');
  return { pod, container };
}

/** The fields of /proc/<pid>/status a hardened container is about. */
async function processStatus(pid: number): Promise<Record<string, string>> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const wanted = ['Uid', 'Gid', 'CapEff', 'CapPrm', 'CapBnd', 'NoNewPrivs', 'Seccomp'];
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => line.split(':\t'))
      .filter(([key]) => wanted.includes(key ?? ''))
      .map(([key, value]): [string, string] => [key ?? '', (value ?? '').replace(/\s+/g, ' ').trim()]),
  );
}

/** The mount options of the container's root file system, from its own mount table. */
async function rootMountOptions(pid: number): Promise<string[]> {
  const lines = (await readFile(`/proc/${pid}/mountinfo`, 'utf8')).split('\n');
  const root = lines.map((l) => l.split(' ')).filter((fields) => fields[4] === '/');
  assert.equal(root.length, 1, `one mount on / in the container:\n${lines.join('\n')}`);
  return (root[0]?.[5] ?? '').split(',');
}

describe('deploy/ installs the operator on a real node', { skip }, () => {
  let operator: OperatorInCluster;
  let pods: readonly V1Pod[];
  let leader: V1Pod;

  before(async () => {
    operator = await installOperator({ from: 'base', clusterName: `install-${randomBytes(3).toString('hex')}` }, 2);
    ({ pods, leader } = await waitForOperator(operator.cluster, 2));
  });
  after(async () => await operator?.installed.uninstall());

  test('two pods are Ready and exactly one of them leads', async () => {
    assert.equal(pods.length, 2);
    const logs = await Promise.all(
      pods.map(async (pod) => {
        const out = await operator.cluster.kubectl(['-n', OPERATOR_NAMESPACE, 'logs', podName(pod)]);
        assert.equal(out.code, 0, out.stderr);
        return { name: podName(pod), text: out.stdout };
      }),
    );
    // Every replica campaigns; only the Lease holder says it won.
    for (const { name, text } of logs) assert.match(text, /waiting to become leader/, `${name} campaigns`);
    const leaders = logs.filter(({ text }) => text.includes('became leader')).map(({ name }) => name);
    assert.deepEqual(leaders, [podName(leader)]);
    for (const { name, text } of logs) assert.doesNotMatch(text, /forbidden/i, `${name}: the shipped RBAC suffices`);
  });

  test('the pods run with the shipped security context and probes', () => {
    const { pod: want, container: wantContainer } = shipped(operator);
    assert.equal(pods.length, 2);
    for (const pod of pods) {
      const spec = pod.spec;
      const container = spec?.containers[0];
      assert.ok(spec && container);
      assert.partialDeepStrictEqual(spec.securityContext, want?.securityContext);
      assert.partialDeepStrictEqual(container.securityContext, wantContainer.securityContext);
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) {
        assert.ok(wantContainer[probe], `deploy/ ships a ${probe}`);
        assert.partialDeepStrictEqual(container[probe], wantContainer[probe]);
      }
      assert.equal(spec.serviceAccountName, want?.serviceAccountName);
    }
  });

  test('the kernel holds the container to it: non-root, no capabilities, no new privileges, seccomp, read-only root', async () => {
    assert.equal(pods.length, 2);
    for (const pod of pods) {
      const pid = await containerPid(operator.cluster, pod);
      const status = await processStatus(pid);
      assert.deepEqual(
        status,
        {
          Uid: '1000 1000 1000 1000',
          Gid: '1000 1000 1000 1000',
          CapEff: '0000000000000000',
          CapPrm: '0000000000000000',
          CapBnd: '0000000000000000',
          NoNewPrivs: '1',
          Seccomp: '2',
        },
        podName(pod),
      );
      assert.ok((await rootMountOptions(pid)).includes('ro'), `${podName(pod)}: root file system read-only`);
    }
  });

  test('measure: operator pod RSS and start → Ready', async () => {
    assert.equal(pods.length, 2);
    for (const pod of pods) {
      const rss = await rssBytes(await containerPid(operator.cluster, pod));
      const role = pod === leader ? 'leader' : 'standby';
      const line = `operator pod ${podName(pod)} (${role}): RSS ${(rss / 2 ** 20).toFixed(1)} MiB, container start → Ready ${startToReadySeconds(pod)} s`;
      process.stderr.write(`[measure] ${line}\n`);
      assert.ok(rss > 0);
    }
  });
});
