// What the conformance cluster runs besides its nodes: the DNS the suite's pods look Services up
// with, and the operator as a user installs it (deploy/overlays/local, the image `make image` builds)
// but for one privilege the suite's port 80 needs.
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../test/harness/binaries.ts';
import type { ExecResult } from '../../test/harness/exec.ts';

export type Kubectl = (args: readonly string[]) => Promise<ExecResult>;

const PROVIDER_CRD = 'loadbalancerproviders.cloudlb.dev';
/** deploy/overlays/local, allowed to bind ports below 1024 (its kustomization.yaml says why). */
const OPERATOR_KUSTOMIZATION = join(PROJECT_ROOT, 'scripts', 'conformance', 'operator');
const COREDNS_MANIFEST = join(PROJECT_ROOT, 'scripts', 'conformance', 'coredns.yaml');

async function must(kubectl: Kubectl, args: readonly string[]): Promise<string> {
  const result = await kubectl(args);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/** Fails with the pods' state when the Deployment is not available in time. */
async function waitForRollout(kubectl: Kubectl, namespace: string, name: string): Promise<void> {
  const args = ['-n', namespace, 'rollout', 'status', `deployment/${name}`, '--timeout=180s'];
  const result = await kubectl(args);
  if (result.code === 0) return;
  const pods = await kubectl(['-n', namespace, 'get', 'pods', '-o', 'wide']);
  const events = await kubectl(['-n', namespace, 'get', 'events', '--sort-by=.lastTimestamp']);
  throw new Error(
    `deployment ${namespace}/${name} did not become available: ${result.stderr.trim()}\n${pods.stdout}\n${events.stdout.split('\n').slice(-15).join('\n')}`,
  );
}

export async function installDns(kubectl: Kubectl): Promise<void> {
  await must(kubectl, ['apply', '--server-side', '-f', COREDNS_MANIFEST]);
  await waitForRollout(kubectl, 'kube-system', 'coredns');
}

/**
 * The CRDs first and established, then the overlay: one apply of both fails on the
 * LoadBalancerProvider, whose kind the API server does not serve yet.
 */
export async function installOperator(kubectl: Kubectl): Promise<void> {
  await must(kubectl, [
    'apply',
    '--server-side',
    '-f',
    join(PROJECT_ROOT, 'crds', 'cloudlb.dev_loadbalancerproviders.yaml'),
  ]);
  await must(kubectl, ['wait', '--for=condition=Established', `crd/${PROVIDER_CRD}`, '--timeout=60s']);
  await must(kubectl, ['apply', '--server-side', '-k', OPERATOR_KUSTOMIZATION]);
  await waitForRollout(kubectl, 'cloud-lb-system', 'cloud-lb-operator');
  await must(kubectl, ['wait', '--for=condition=Ready', 'loadbalancerprovider/local', '--timeout=120s']);
}
