// The operator image of this tree (`make image`'s build, its layers cached by their inputs), in
// every node's containerd: the same image runs the operator and the echo backends.
import { buildOperatorImage } from '../../../scripts/image/build.ts';
import type { TestRealCluster } from '../../harness/node.ts';

/** `cloud-lb-operator:<git describe>`, imported into the cluster's nodes; use it with imagePullPolicy Never. */
export async function importOperatorImage(cluster: TestRealCluster): Promise<string> {
  const image = await buildOperatorImage();
  const reference = image.references[0]?.name;
  if (reference === undefined) throw new Error(`the operator image ${image.path} has no name`);
  await cluster.importImage(image.path);
  return reference;
}
