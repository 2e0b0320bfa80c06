// deploy/ as kustomize renders it (the real kubectl): what a cluster admin would apply.
// No cluster needed; test/deploy/install.test.ts applies the same manifests to a real API server.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  loadYaml,
  type KubernetesObject,
  type V1ClusterRole,
  type V1ClusterRoleBinding,
  type V1ConfigMap,
  type V1Container,
  type V1Deployment,
  type V1PodDisruptionBudget,
  type V1PolicyRule,
  type V1Role,
  type V1RoleBinding,
  type V1Secret,
  type V1ServiceAccount,
} from '@kubernetes/client-node';
import { awsProvider } from '../../providers/aws/index.ts';
import { gcpProvider } from '../../providers/gcp/index.ts';
import { DEFAULT_ADDRESS_POOL, parseLocalSpec } from '../../providers/local/index.ts';
import { currentHostNetworks } from '../../providers/local/host-networks.ts';
import { describePool } from '../../providers/local/pool.ts';
import { ConfigError, parseConfig } from '../../src/config.ts';
import { builtinRegistry } from '../../src/provider/builtin.ts';
import type { ProviderDefinition } from '../../src/provider/registry.ts';
import { PROJECT_ROOT } from '../harness/binaries.ts';
import { DEPLOY_DIR, OPERATOR_NAME, OPERATOR_NAMESPACE, ofKind, only, plain, render } from './render.ts';

interface Install {
  readonly dir: string;
  readonly replicas: number;
  /** The image's tag; undefined: the package version. */
  readonly tag?: string;
  /** The cluster name in the ConfigMap is a placeholder the operator refuses. */
  readonly placeholder: boolean;
}

const KUSTOMIZATIONS: readonly Install[] = [
  { dir: 'base', replicas: 2, placeholder: true },
  { dir: 'overlays/aws', replicas: 2, placeholder: true },
  { dir: 'overlays/gcp', replicas: 2, placeholder: true },
  { dir: 'overlays/local', replicas: 1, tag: 'dev', placeholder: false },
];
const OVERLAYS: ReadonlyArray<{ dir: string; cloud: 'aws' | 'gcp'; definition: ProviderDefinition }> = [
  { dir: 'overlays/aws', cloud: 'aws', definition: awsProvider },
  { dir: 'overlays/gcp', cloud: 'gcp', definition: gcpProvider },
];

/** Every permission as "group resource[/name] verb", one per line: easy to compare and to read in a diff. */
function permissions(rules: readonly V1PolicyRule[]): string[] {
  const out: string[] = [];
  for (const rule of rules) {
    for (const group of rule.apiGroups ?? [])
      for (const resource of rule.resources ?? [])
        for (const name of rule.resourceNames?.length ? rule.resourceNames : [''])
          for (const verb of rule.verbs) out.push(`${group || 'core'} ${resource}${name ? `/${name}` : ''} ${verb}`);
  }
  return out.sort();
}

const CLUSTER_PERMISSIONS = [
  'cloudlb.dev loadbalancerproviders get',
  'cloudlb.dev loadbalancerproviders list',
  'cloudlb.dev loadbalancerproviders patch',
  'cloudlb.dev loadbalancerproviders watch',
  'cloudlb.dev loadbalancerproviders/finalizers update',
  'cloudlb.dev loadbalancerproviders/status patch',
  'core events create',
  'core events patch',
  'core nodes get',
  'core nodes list',
  'core nodes watch',
  'core services get',
  'core services list',
  'core services patch',
  'core services watch',
  'core services/status patch',
  'discovery.k8s.io endpointslices list',
  'discovery.k8s.io endpointslices watch',
].sort();

function namespacePermissions(leaseName: string): string[] {
  return [
    'coordination.k8s.io leases create',
    `coordination.k8s.io leases/${leaseName} get`,
    `coordination.k8s.io leases/${leaseName} update`,
    'core secrets get',
    'core secrets list',
    'core secrets watch',
  ].sort();
}

function operatorContainer(deployment: V1Deployment): V1Container {
  const containers = deployment.spec?.template.spec?.containers ?? [];
  assert.equal(containers.length, 1, 'one container');
  return containers[0] as V1Container;
}

/** The container's args as the kubelet would pass them: $(VAR) expanded from the env given. */
function expandArgs(container: V1Container, env: Readonly<Record<string, string>>): string[] {
  return (container.args ?? []).map((arg) => arg.replace(/\$\(([A-Z_]+)\)/g, (_, name: string) => env[name] ?? ''));
}

function portOf(addr: string): number {
  return Number(addr.slice(addr.lastIndexOf(':') + 1));
}

for (const { dir, replicas, tag, placeholder: refusesClusterName } of KUSTOMIZATIONS) {
  test(`deploy/${dir}: RBAC is exactly what the operator calls, no '*', no cluster-wide Secrets`, async () => {
    const objects = await render(dir);
    const clusterRole = only<V1ClusterRole>(objects, 'ClusterRole');
    const role = only<V1Role>(objects, 'Role');
    const rules = [...(clusterRole.rules ?? []), ...(role.rules ?? [])];
    for (const rule of rules) {
      for (const field of [rule.apiGroups, rule.resources, rule.verbs, rule.resourceNames, rule.nonResourceURLs]) {
        assert.ok(!(field ?? []).some((v) => v.includes('*')), `no wildcard in ${JSON.stringify(rule)}`);
      }
    }
    assert.deepEqual(permissions(clusterRole.rules ?? []), CLUSTER_PERMISSIONS);
    assert.ok(!permissions(clusterRole.rules ?? []).some((p) => p.includes('secrets')), 'no Secrets cluster-wide');
    assert.equal(role.metadata?.namespace, OPERATOR_NAMESPACE);
    const defaults = parseConfig(['--cluster-name', 'x'], {});
    assert.deepEqual(permissions(role.rules ?? []), namespacePermissions(defaults.leaseName));

    const subject = [{ kind: 'ServiceAccount', name: OPERATOR_NAME, namespace: OPERATOR_NAMESPACE }];
    const clusterBinding = only<V1ClusterRoleBinding>(objects, 'ClusterRoleBinding');
    assert.deepEqual(clusterBinding.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: clusterRole.metadata?.name,
    });
    assert.deepEqual(clusterBinding.subjects, subject);
    const binding = only<V1RoleBinding>(objects, 'RoleBinding');
    assert.equal(binding.metadata?.namespace, OPERATOR_NAMESPACE);
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata?.name });
    assert.deepEqual(binding.subjects, subject);
    assert.deepEqual(
      objects.filter((o) => /Role/.test(o.kind ?? '')).map((o) => o.kind).sort(),
      ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
      'no other roles or bindings',
    );
  });

  test(`deploy/${dir}: the Deployment runs ${replicas} hardened replica(s) with leader election`, async () => {
    const objects = await render(dir);
    const deployment = only<V1Deployment>(objects, 'Deployment', OPERATOR_NAME);
    assert.equal(deployment.metadata?.namespace, OPERATOR_NAMESPACE);
    assert.equal(deployment.spec?.replicas, replicas);
    const pod = deployment.spec?.template.spec;
    assert.ok(pod);
    for (const [key, value] of Object.entries(deployment.spec?.selector.matchLabels ?? {})) {
      assert.equal(deployment.spec?.template.metadata?.labels?.[key], value, `selector label ${key}`);
    }
    assert.equal(pod.serviceAccountName, OPERATOR_NAME);
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.ok((pod.securityContext?.runAsUser ?? 0) > 0, 'a non-root uid');
    assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault');

    // The token: the ServiceAccount mounts none by default; only this pod opts in.
    const account = only<V1ServiceAccount>(objects, 'ServiceAccount', OPERATOR_NAME);
    assert.equal(account.metadata?.namespace, OPERATOR_NAMESPACE);
    assert.equal(account.automountServiceAccountToken, false);
    assert.equal(pod.automountServiceAccountToken, true);

    const container = operatorContainer(deployment);
    const sc = container.securityContext;
    assert.equal(sc?.readOnlyRootFilesystem, true);
    assert.equal(sc?.allowPrivilegeEscalation, false);
    assert.notEqual(sc?.privileged, true);
    assert.deepEqual(sc?.capabilities?.drop, ['ALL']);
    assert.equal(sc?.capabilities?.add, undefined);
    for (const kind of ['requests', 'limits'] as const) {
      assert.ok(container.resources?.[kind]?.['cpu'], `${kind}.cpu`);
      assert.ok(container.resources?.[kind]?.['memory'], `${kind}.memory`);
    }

    const env = container.env ?? [];
    const podNamespace = env.find((e) => e.name === 'POD_NAMESPACE');
    assert.equal(podNamespace?.valueFrom?.fieldRef?.fieldPath, 'metadata.namespace');
    const clusterNameRef = env.find((e) => e.name === 'CLUSTER_NAME')?.valueFrom?.configMapKeyRef;
    assert.ok(clusterNameRef, 'CLUSTER_NAME comes from the ConfigMap');
    const configMap = only<V1ConfigMap>(objects, 'ConfigMap');
    assert.equal(clusterNameRef.name, configMap.metadata?.name, 'the reference follows the generated name');
    const placeholder = configMap.data?.[clusterNameRef.key];
    assert.ok(placeholder, `the ConfigMap has ${clusterNameRef.key}`);

    // The args are real flags: parsed by the operator's own parser, as the pod would run them.
    const podEnv = { POD_NAMESPACE: OPERATOR_NAMESPACE, CLUSTER_NAME: 'prod-eu1', HOST_IP: '192.0.2.10' };
    const config = parseConfig(expandArgs(container, podEnv), podEnv);
    assert.equal(config.clusterName, 'prod-eu1');
    assert.equal(config.leaderElect, true);
    assert.equal(config.namespace, OPERATOR_NAMESPACE);
    if (refusesClusterName) {
      // The shipped placeholder is refused, so nothing runs under a cluster name others may share.
      assert.throws(
        () => parseConfig(expandArgs(container, { ...podEnv, CLUSTER_NAME: placeholder }), podEnv),
        (err: unknown) => err instanceof ConfigError && /--cluster-name/.test(err.message),
      );
    } else {
      assert.equal(parseConfig(expandArgs(container, { ...podEnv, CLUSTER_NAME: placeholder }), podEnv).clusterName, placeholder);
    }

    // The local provider's state directory is a mounted, writable volume (the root filesystem is not).
    assert.ok(config.localStateDir, '--local-state-dir is set');
    const stateMount = (container.volumeMounts ?? []).find((m) => m.mountPath === config.localStateDir);
    assert.ok(stateMount, `a volume is mounted at ${config.localStateDir}`);
    assert.notEqual(stateMount.readOnly, true);
    const stateVolume = (pod.volumes ?? []).find((v) => v.name === stateMount.name);
    assert.ok(stateVolume?.emptyDir, 'an emptyDir: it lives as long as the pod (README)');

    const ports = new Map((container.ports ?? []).map((p) => [p.name, p.containerPort]));
    assert.equal(ports.get('metrics'), portOf(config.metricsAddr), 'the named metrics port is --metrics-addr');
    assert.equal(ports.get('health'), portOf(config.healthAddr), 'the named health port is --health-addr');
    assert.deepEqual(container.livenessProbe?.httpGet, { path: '/healthz', port: 'health' });
    // Liveness counts only after the startup probe passed, so it needs no guessed initial delay.
    assert.deepEqual(container.startupProbe?.httpGet, { path: '/healthz', port: 'health' });
    assert.equal(container.livenessProbe?.initialDelaySeconds, undefined);
    assert.deepEqual(container.readinessProbe?.httpGet, { path: '/readyz', port: 'health' });

    const pdb = only<V1PodDisruptionBudget>(objects, 'PodDisruptionBudget');
    assert.equal(pdb.metadata?.namespace, OPERATOR_NAMESPACE);
    assert.deepEqual(pdb.spec?.selector?.matchLabels, deployment.spec?.selector.matchLabels);
    assert.ok(pdb.spec?.maxUnavailable === 1 || pdb.spec?.minAvailable === 1, 'one replica may go at a time');

    const pkg = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(container.image, `cloud-lb-operator:${tag ?? pkg.version}`);
  });

  test(`deploy/${dir}: includes the CRDs from crds/ unchanged`, async () => {
    const objects = await render(dir);
    const canonical = (await readdir(join(PROJECT_ROOT, 'crds'))).filter((f) => f.endsWith('.yaml'));
    const rendered = ofKind(objects, 'CustomResourceDefinition');
    assert.equal(rendered.length, canonical.length);
    for (const file of canonical) {
      const crd = plain(loadYaml<KubernetesObject>(await readFile(join(PROJECT_ROOT, 'crds', file), 'utf8')));
      assert.deepEqual(
        rendered.find((o) => o.metadata?.name === crd.metadata?.name),
        crd,
        `${file} as rendered`,
      );
    }
  });
}

for (const { dir, cloud, definition } of OVERLAYS) {
  test(`deploy/${dir}: an example ${cloud} LoadBalancerProvider and its placeholder Secret`, async () => {
    const objects = await render(dir);
    const provider = only<KubernetesObject & { spec: Record<string, unknown> }>(objects, 'LoadBalancerProvider');
    assert.equal(provider.metadata?.name, cloud);
    assert.deepEqual(
      builtinRegistry()
        .types()
        .filter((k) => k in provider.spec),
      [cloud],
      'exactly one cloud block',
    );
    const secretName = (provider.spec['credentialsSecretRef'] as { name?: string } | undefined)?.name;
    const secret = only<V1Secret>(objects, 'Secret', secretName);
    assert.equal(secret.metadata?.namespace, OPERATOR_NAMESPACE, 'credentials live in the operator namespace');
    assert.match(secret.metadata?.annotations?.['cloudlb.dev/example'] ?? '', /placeholder/);
    const data = secret.stringData ?? {};
    for (const key of definition.requiredSecretKeys) {
      assert.ok(key in data, `the example Secret has ${key}, which the ${cloud} provider requires`);
      assert.match(data[key] ?? '', /REPLACE-ME/, `${key} is a marked placeholder`);
    }
    assert.equal(ofKind(objects, 'Secret').length, 1);
  });
}

test('deploy/overlays/local: one replica on the host network, replaced with Recreate, and a default local provider on 127.77.0.0/24', async () => {
  const objects = await render('overlays/local');
  const deployment = only<V1Deployment>(objects, 'Deployment', OPERATOR_NAME);
  // Two replicas on one node would bind the same ports on the host network; see the overlay.
  assert.equal(deployment.spec?.replicas, 1);
  assert.deepEqual(deployment.spec?.strategy, { type: 'Recreate' });
  const pod = deployment.spec?.template.spec;
  assert.equal(pod?.hostNetwork, true);
  assert.equal(pod?.dnsPolicy, 'ClusterFirstWithHostNet');

  // Health and metrics listen on the node's IP only, where the kubelet probes a hostNetwork pod.
  const container = operatorContainer(deployment);
  const hostIP = (container.env ?? []).find((e) => e.name === 'HOST_IP');
  assert.equal(hostIP?.valueFrom?.fieldRef?.fieldPath, 'status.hostIP');
  const podEnv = { POD_NAMESPACE: OPERATOR_NAMESPACE, CLUSTER_NAME: 'local', HOST_IP: '192.0.2.10' };
  const config = parseConfig(expandArgs(container, podEnv), podEnv);
  assert.equal(config.healthAddr, '192.0.2.10:18081');
  assert.equal(config.metricsAddr, '192.0.2.10:18080');
  assert.deepEqual(
    (container.ports ?? []).map((p) => `${p.name}:${p.containerPort}`),
    ['metrics:18080', 'health:18081'],
    'only the overlay ports, not the base 8080/8081 as well',
  );

  // Nothing short of `privileged` admits hostNetwork; the pod keeps the rest of `restricted`
  // (the Deployment test above checks its securityContext for every install).
  const namespace = only<KubernetesObject>(objects, 'Namespace', OPERATOR_NAMESPACE);
  assert.equal(namespace.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'privileged');

  const provider = only<KubernetesObject & { spec: Record<string, unknown> }>(objects, 'LoadBalancerProvider');
  assert.equal(provider.metadata?.name, 'local');
  assert.equal(provider.spec['default'], true);
  assert.deepEqual(Object.keys(provider.spec).sort(), ['default', 'local']);
  const local = parseLocalSpec(provider.spec['local'], currentHostNetworks());
  assert.equal(describePool(local.pool), DEFAULT_ADDRESS_POOL);
  assert.equal(ofKind(objects, 'Secret').length, 0, 'the local provider needs no credentials');
});

test('deploy/Dockerfile: multi-stage, official Node 24, production dependencies, non-root, runs make build output', async () => {
  const dockerfile = await readFile(join(DEPLOY_DIR, 'Dockerfile'), 'utf8');
  const lines = dockerfile.split('\n').filter((l) => !l.startsWith('#'));
  assert.match(dockerfile, /^ARG NODE_IMAGE=node:24-[a-z]+-slim$/m, 'the official node image, Node 24, slim');
  const stages = lines.filter((l) => l.startsWith('FROM '));
  assert.ok(stages.length >= 2, 'multi-stage');
  assert.ok(stages.every((l) => l.startsWith('FROM ${NODE_IMAGE} ')));
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  assert.match(runtime, /^USER [1-9]\d*:[1-9]\d*$/m, 'a numeric non-root user, so runAsNonRoot can verify it');
  assert.doesNotMatch(runtime, /^RUN npm/m, 'no npm install in the runtime stage');
  assert.match(dockerfile, /npm ci --omit=dev/, 'production dependencies only');
  assert.match(dockerfile, /npx tsc -p tsconfig\.build\.json/, 'built as `make build` builds');
  // The entry point is where tsc puts src/main.ts: <outDir>/<path below rootDir>.
  const build = JSON.parse(await readFile(join(PROJECT_ROOT, 'tsconfig.build.json'), 'utf8')) as {
    compilerOptions: { outDir: string; rootDir: string };
  };
  assert.equal(build.compilerOptions.rootDir, '.');
  assert.match(runtime, new RegExp(`^ENTRYPOINT \\[.*"${build.compilerOptions.outDir}/src/main\\.js"\\]$`, 'm'));

  // Everything the Dockerfile copies from the context passes .dockerignore's allow-list.
  const allowed = (await readFile(join(PROJECT_ROOT, '.dockerignore'), 'utf8'))
    .split('\n')
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1).replace(/\/$/, ''));
  const copied = lines
    .filter((l) => l.startsWith('COPY ') && !l.includes('--from='))
    .flatMap((l) => l.split(/\s+/).slice(1, -1));
  assert.ok(copied.length > 0);
  for (const path of copied) assert.ok(allowed.includes(path), `.dockerignore lets ${path} into the context`);
});
