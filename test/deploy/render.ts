// Renders deploy/ with the real kubectl's kustomize and finds objects in the result.
import { loadAllYaml, type KubernetesObject } from '@kubernetes/client-node';
import { join } from 'node:path';
import { PROJECT_ROOT, findBinaries } from '../harness/binaries.ts';
import { exec } from '../harness/exec.ts';

export const DEPLOY_DIR = join(PROJECT_ROOT, 'deploy');
export const OPERATOR_NAMESPACE = 'cloud-lb-system';
export const OPERATOR_NAME = 'cloud-lb-operator';

/** `kubectl kustomize deploy/<dir>`, parsed; throws with kubectl's message when kustomize refuses. */
export async function render(dir: string): Promise<KubernetesObject[]> {
  const { kubectl } = await findBinaries();
  const result = await exec(kubectl, ['kustomize', join(DEPLOY_DIR, dir)]);
  if (result.code !== 0) throw new Error(`kubectl kustomize deploy/${dir} failed: ${result.stderr}`);
  return (loadAllYaml(result.stdout) as (KubernetesObject | null)[])
    .filter((o): o is KubernetesObject => o !== null)
    .map(plain);
}

/** client-node's YAML loader returns instances of its model classes; tests compare plain data. */
export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function ofKind<T extends KubernetesObject>(objects: readonly KubernetesObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as T[];
}

/** The one object of `kind` (and `name`, if given); throws when there is none or several. */
export function only<T extends KubernetesObject>(objects: readonly KubernetesObject[], kind: string, name?: string): T {
  const found = ofKind<T>(objects, kind).filter((o) => name === undefined || o.metadata?.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0] as T;
}
