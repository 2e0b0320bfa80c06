// One test file's operator in the real cluster: this tree's image imported, deploy/ applied through
// install.ts, and a wait until the operator is what a user expects (every replica Ready, one of
// them holding the Lease).
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { testRealCluster, type TestRealCluster } from '../../harness/node.ts';
import { eventually } from '../../harness/wait.ts';
import { install, type Installed, type InstallOptions } from './install.ts';
import { importOperatorImage } from './operator-image.ts';
import { holderPod, isReady, operatorPods, podName, readLease } from './pods.ts';

export interface OperatorInCluster {
  readonly cluster: TestRealCluster;
  /** The operator image's reference, also used for the echo backends. */
  readonly image: string;
  readonly installed: Installed;
}

/** A pod start on a loaded two-core machine (image unpack, node start, cache sync) takes a while. */
export const POD_START_MS = 180_000;

export async function installOperator(
  options: Omit<InstallOptions, 'image'>,
  replicas: number,
  cluster?: TestRealCluster,
): Promise<OperatorInCluster> {
  cluster ??= await testRealCluster();
  const image = await importOperatorImage(cluster);
  const installed = await install(cluster, { ...options, image });
  await waitForOperator(cluster, replicas);
  return { cluster, image, installed };
}

export interface OperatorState {
  /** The running, non-terminating operator pods, all Ready. */
  readonly pods: readonly V1Pod[];
  readonly leader: V1Pod;
}

/** Waits until exactly `replicas` operator pods run, every one Ready, and one of them holds the Lease. */
export async function waitForOperator(cluster: TestRealCluster, replicas: number): Promise<OperatorState> {
  return await eventually(
    async () => {
      const pods = (await operatorPods(cluster)).filter((p) => p.metadata?.deletionTimestamp === undefined);
      assert.equal(pods.length, replicas, `operator pods: ${pods.map(podName).join(', ')}`);
      const unready = pods.filter((p) => !isReady(p)).map(podName);
      assert.deepEqual(unready, [], 'operator pods not Ready yet');
      const { holder } = await readLease(cluster);
      const leader = holderPod(pods, holder);
      assert.ok(leader, `the Lease holder ${holder ?? '(none)'} is none of ${pods.map(podName).join(', ')}`);
      return { pods, leader };
    },
    {
      timeoutMs: POD_START_MS,
      intervalMs: 1_000,
      message: `the operator never had ${replicas} Ready pods and a leader`,
    },
  );
}
