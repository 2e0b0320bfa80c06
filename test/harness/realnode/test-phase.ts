// test/run.ts's second phase: the files under test/node/ against a real cluster, or reported as
// skipped with the one-line reason when this machine cannot run one. The host is snapshotted
// before the cluster starts and after it stops: any difference fails the run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CrdProvider } from '../../../src/api/crd.ts';
import { findNodeBinaries } from '../binaries.ts';
import { NODE_SKIP_ENV, REAL_CLUSTER_ENV, type RealClusterInfo } from '../node.ts';
import { startRealCluster, type RealCluster } from './cluster.ts';
import { hostSnapshot, snapshotDifferences } from './snapshot.ts';
import { nodeSupport } from './support.ts';

export const NODE_TESTS_DIR = 'test/node/';

export interface NodePhase {
  /** Environment for the test files: the cluster's kubeconfig and info, or the skip reason. */
  readonly env: NodeJS.ProcessEnv;
  /** Where kubectl is (first on the test files' PATH); none when skipped. */
  readonly binDir?: string;
  /** Stops the cluster and compares the host with before; returns the differences (none: []). */
  finish(): Promise<string[]>;
}

export async function startNodePhase(crds: readonly CrdProvider[], nodes: 1 | 2): Promise<NodePhase> {
  const support = await nodeSupport();
  if (!support.ok) {
    process.stderr.write(`[test] node tests SKIPPED: ${support.reason}\n`);
    return { env: { [NODE_SKIP_ENV]: support.reason }, finish: async () => await Promise.resolve([]) };
  }
  const binaries = await findNodeBinaries();
  const dir = await mkdtemp(join(tmpdir(), 'cloudlb-realnode-'));
  const watched = [binaries.dir, dir];
  const before = await hostSnapshot(watched);
  const started = Date.now();
  process.stderr.write(`[test] starting a real cluster (${nodes} node${nodes > 1 ? 's' : ''}) in ${dir}\n`);
  let cluster: RealCluster;
  try {
    cluster = await startRealCluster({ nodes, dir, crds, verbose: true });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  process.stderr.write(`[test] real cluster ready in ${Date.now() - started} ms\n`);
  const info: RealClusterInfo = { nodes: cluster.nodes, ctr: cluster.ctr };
  return {
    binDir: cluster.controlPlane.binaries.dir,
    env: {
      CLOUDLB_TEST_KUBECONFIG: cluster.kubeconfigPath,
      KUBECONFIG: cluster.kubeconfigPath,
      [REAL_CLUSTER_ENV]: JSON.stringify(info),
    },
    finish: async () => {
      const stopping = Date.now();
      await cluster.stop();
      process.stderr.write(`[test] real cluster stopped and host restored in ${Date.now() - stopping} ms\n`);
      const differences = snapshotDifferences(before, await hostSnapshot(watched));
      await rm(dir, { recursive: true, force: true });
      return differences;
    },
  };
}
