// A real Kubernetes on this machine, for colleagues' code and tests: see realnode/ for how.
// - nodeSupport(): can this machine run one (one line saying why not)?
// - startRealCluster({ nodes, dir }): control plane + kube-controller-manager + kube-scheduler +
//   per node containerd and kubelet, one kube-proxy; every host change journaled and undone by stop().
// - testRealCluster(): inside test/node/*.test.ts, the cluster test/run.ts started for the run.
// - realNodeSkip(): the reason node tests are skipped in this run, or false.
import { testCluster, type TestCluster } from './cluster.ts';
import { importImage } from './realnode/images.ts';

export { nodeSupport, type NodeSupport } from './realnode/support.ts';
export { startRealCluster, type RealCluster, type RealClusterOptions, type RealNode } from './realnode/cluster.ts';
export { undoJournal } from './realnode/undo.ts';

/** What test/run.ts hands its node test files (environment CLOUDLB_REAL_CLUSTER, JSON). */
export interface RealClusterInfo {
  readonly nodes: readonly { readonly name: string; readonly ip: string; readonly containerdSocket: string }[];
  readonly ctr: string;
}

export const REAL_CLUSTER_ENV = 'CLOUDLB_REAL_CLUSTER';
export const NODE_SKIP_ENV = 'CLOUDLB_NODE_SKIP';

export interface TestRealCluster extends TestCluster, RealClusterInfo {
  /** Imports an OCI archive into every node's containerd (namespace k8s.io). */
  importImage(ociArchivePath: string): Promise<void>;
}

/** false when this run has a real cluster; else why not (for node:test's `{ skip }`). */
export function realNodeSkip(): string | false {
  const reason = process.env[NODE_SKIP_ENV];
  if (reason !== undefined && reason !== '') return reason;
  if (process.env[REAL_CLUSTER_ENV] === undefined) return 'no real node: run node tests through `node test/run.ts`';
  return false;
}

export async function testRealCluster(): Promise<TestRealCluster> {
  const raw = process.env[REAL_CLUSTER_ENV];
  if (raw === undefined) throw new Error(`${REAL_CLUSTER_ENV} is not set: run node tests through \`node test/run.ts\``);
  const info = JSON.parse(raw) as RealClusterInfo;
  const cluster = await testCluster();
  return {
    ...cluster,
    ...info,
    importImage: async (archive) =>
      await importImage(
        info.ctr,
        info.nodes.map((n) => n.containerdSocket),
        archive,
      ),
  };
}
