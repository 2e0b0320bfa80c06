// deploy/ against the real API server: the overlays apply server-side; the operator, running as
// the ServiceAccount from deploy/ (its token, not the admin's certificate), completes a Service's
// whole lifecycle with exactly that RBAC, and is refused what it must not do; the CRD refuses a
// malformed LoadBalancerProvider with a message naming the field.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { ApiException, CoordinationV1Api, CoreV1Api, KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { pino } from 'pino';
import { startOperator, type RunningOperator } from '../../src/operator/index.ts';
import { deleteTestNamespaces, kubeconfigForToken, testCluster, testNamespace, type TestCluster } from '../harness/cluster.ts';
import { findBinaries } from '../harness/binaries.ts';
import { installCrds } from '../harness/controlplane.ts';
import { exec, type ExecResult } from '../harness/exec.ts';
import { eventually } from '../harness/wait.ts';
import {
  createNode,
  createProvider,
  createService,
  deleteNode,
  deleteProvider,
  dropProviderFinalizers,
  eventLine,
  getProvider,
  getService,
  serviceEvents,
  suffix,
  testRegistry,
  waitForIngress,
} from '../support/fixture.ts';
import { TEST_CRD_PROVIDERS, TestCloud } from '../support/test-provider.ts';
import { DEPLOY_DIR, OPERATOR_NAME, OPERATOR_NAMESPACE, only, render } from './render.ts';

const FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';
const CRD = 'loadbalancerproviders.cloudlb.dev';
const id = suffix();
const providerName = `deploy-${id}`;
const lbClass = `cloudlb.dev/${providerName}`;
const secretName = `deploy-creds-${id}`;
const nodeName = `deploy-${id}`;
const cloud = new TestCloud();

let cluster: TestCluster;
let ns: string;
let crdWasInstalled = false;
let tokenKubeconfig: string;
let operator: RunningOperator | undefined;
/** Every log line the operator wrote (JSON), to show that no call was refused. */
const logLines: string[] = [];

async function kubectl(args: readonly string[], input?: string): Promise<ExecResult> {
  return await cluster.kubectl(args, input === undefined ? {} : { input });
}

/** kubectl as the operator's ServiceAccount. */
async function kubectlAsOperator(args: readonly string[]): Promise<ExecResult> {
  const { kubectl: binary } = await findBinaries();
  return await exec(binary, ['--kubeconfig', tokenKubeconfig, ...args]);
}

function statusOf(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

before(async () => {
  cluster = await testCluster();
  crdWasInstalled = (await kubectl(['get', 'crd', CRD])).code === 0;
  ns = await testNamespace(cluster, 'deploy');
});

after(async () => {
  await operator?.stop();
  await deleteProvider(cluster, providerName);
  await deleteNode(cluster, nodeName);
  // Everything cluster-scoped that deploy/ created. The namespace stays Terminating on this
  // control plane (it has no namespace controller to empty it); nothing else uses it.
  // The stopped operator cannot take its protection finalizer off them any more.
  for (const name of ['aws', 'gcp']) await dropProviderFinalizers(cluster, name);
  await kubectl(['delete', '--ignore-not-found', 'loadbalancerprovider', 'aws', 'gcp']);
  await kubectl(['delete', '--ignore-not-found', 'clusterrolebinding', OPERATOR_NAME]);
  await kubectl(['delete', '--ignore-not-found', 'clusterrole', OPERATOR_NAME]);
  await kubectl(['delete', '--ignore-not-found', '--wait=false', 'namespace', OPERATOR_NAMESPACE]);
  if (!crdWasInstalled) await kubectl(['delete', '--ignore-not-found', 'crd', CRD]);
  else await installCrds(cluster, TEST_CRD_PROVIDERS);
  await deleteTestNamespaces();
});

test('kubectl apply --server-side -k deploy/overlays/{aws,gcp} is accepted by the API server', async () => {
  for (const cloudName of ['aws', 'gcp']) {
    const applied = await kubectl(['apply', '--server-side', '-k', `${DEPLOY_DIR}/overlays/${cloudName}`]);
    assert.equal(applied.code, 0, `apply overlays/${cloudName}: ${applied.stderr}`);
    assert.match(applied.stdout, new RegExp(`loadbalancerprovider\\.cloudlb\\.dev/${cloudName} serverside-applied`));
    assert.match(applied.stdout, /deployment\.apps\/cloud-lb-operator serverside-applied/);
    assert.match(applied.stdout, new RegExp(`secret/${cloudName}-credentials serverside-applied`));
    // Applying again changes nothing and is accepted (a user re-runs the install to upgrade).
    const again = await kubectl(['apply', '--server-side', '-k', `${DEPLOY_DIR}/overlays/${cloudName}`]);
    assert.equal(again.code, 0, again.stderr);
  }
  const deployment = await kubectl(['get', 'deployment', '-n', OPERATOR_NAMESPACE, OPERATOR_NAME, '-o', 'json']);
  assert.equal(deployment.code, 0, deployment.stderr);
  const spec = (JSON.parse(deployment.stdout) as { spec: { replicas: number } }).spec;
  assert.equal(spec.replicas, 2);
  // The examples are not wanted while the operator under test runs (their clouds are not in the
  // test registry, and both are marked default).
  const removed = await kubectl(['delete', 'loadbalancerprovider', 'aws', 'gcp']);
  assert.equal(removed.code, 0, removed.stderr);
  // deploy/ brought the CRD as it ships, without the test provider's spec.memory: back to the test one.
  await installCrds(cluster, TEST_CRD_PROVIDERS);
});

test("the operator's pod passes the namespace's Pod Security admission (restricted)", async () => {
  // No kubelet or controller-manager here, so no real pod: the API server admits one from the
  // Deployment's template in dry-run, with the restricted profile the Namespace enforces.
  const deployment = only<V1Deployment>(await render('overlays/aws'), 'Deployment', OPERATOR_NAME);
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `deploy-psa-${id}`, namespace: OPERATOR_NAMESPACE },
    spec: deployment.spec?.template.spec,
  };
  const admitted = await kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], JSON.stringify(pod));
  assert.equal(admitted.code, 0, admitted.stderr);
  assert.doesNotMatch(admitted.stderr, /PodSecurity/, admitted.stderr);
  // ... and that the check is live: the same pod with root allowed is refused.
  const rootPod = structuredClone(pod) as typeof pod & { spec: { securityContext: { runAsNonRoot: boolean } } };
  rootPod.spec.securityContext.runAsNonRoot = false;
  const refused = await kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], JSON.stringify(rootPod));
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /violates PodSecurity "restricted:latest"/);
});

test("deploy/overlays/local's pod is beyond `restricted` only by the host network it needs", async () => {
  const deployment = only<V1Deployment>(await render('overlays/local'), 'Deployment', OPERATOR_NAME);
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `deploy-psa-local-${id}`, namespace: OPERATOR_NAMESPACE },
    spec: deployment.spec?.template.spec,
  };
  // The base's namespace enforces restricted: the API server names every control the pod breaks.
  const refused = await kubectl(['create', '--dry-run=server', '-o', 'name', '-f', '-'], JSON.stringify(pod));
  assert.notEqual(refused.code, 0);
  const violations = /violates PodSecurity "restricted:latest": (.*)$/m.exec(refused.stderr)?.[1];
  assert.ok(violations, refused.stderr);
  // With hostNetwork, each containerPort is also a hostPort (the API server defaults it).
  assert.deepEqual(
    violations.split(/, (?=[a-z])/).map((v) => v.replace(/ \(.*\)$/, '')),
    ['host namespaces', 'hostPort'],
    violations,
  );
});

test('the operator, as its ServiceAccount with the RBAC from deploy/, completes a Service lifecycle', async () => {
  const request = await cluster.core.createNamespacedServiceAccountToken({
    name: OPERATOR_NAME,
    namespace: OPERATOR_NAMESPACE,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = request.status?.token;
  assert.ok(token, 'a token for the ServiceAccount');
  tokenKubeconfig = await kubeconfigForToken(cluster, token);
  const whoami = await kubectlAsOperator(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
  assert.equal(whoami.stdout, `system:serviceaccount:${OPERATOR_NAMESPACE}:${OPERATOR_NAME}`, whoami.stderr);

  // The admin prepares what a cluster admin would: a credentials Secret, a provider, a node.
  await cluster.core.createNamespacedSecret({
    namespace: OPERATOR_NAMESPACE,
    body: { metadata: { name: secretName }, stringData: { token: 'not-a-real-credential' } },
  });
  await createProvider(cluster, providerName, { credentialsSecretRef: { name: secretName } });
  await createNode(cluster, nodeName);

  const kc = new KubeConfig();
  kc.loadFromFile(tokenKubeconfig);
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  operator = await startOperator({
    kc,
    clusterName: `deploy-${id}`,
    namespace: OPERATOR_NAMESPACE,
    registry: testRegistry(cloud, ['token']),
    workers: 2,
    leaderElect: true,
    healthAddr: '127.0.0.1:0',
    sweep: { enabled: false, intervalMs: 600_000, graceMs: 0 },
    backoff: { baseMs: 200, maxMs: 2_000 },
    drainMs: 2_000,
    log: pino({ level: 'debug' }, sink),
  });
  const running = operator;

  // Informers on services, nodes, providers and Secrets synced: the readiness probe says so.
  await eventually(async () => {
    const res = await fetch(`http://127.0.0.1:${running.healthPort}/readyz`);
    assert.equal(res.status, 200);
  });
  // The Lease: created, read and renewed in cloud-lb-system.
  await eventually(async () => {
    assert.ok(running.isLeader(), 'leading');
    const lease = await cluster.kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ namespace: OPERATOR_NAMESPACE, name: 'cloud-lb-operator' });
    assert.equal(lease.spec?.holderIdentity, running.identity);
  });
  // The credentials Secret was read (CredentialsValid) and the provider's status patched.
  await eventually(async () => {
    const conditions = (await getProvider(cluster, providerName)).status?.conditions ?? [];
    assert.equal(conditions.find((c) => c.type === 'CredentialsValid')?.status, 'True', JSON.stringify(conditions));
    assert.equal(conditions.find((c) => c.type === 'Ready')?.status, 'True', JSON.stringify(conditions));
  });
  assert.deepEqual(cloud.lastCredentials, { token: 'not-a-real-credential' });

  const created = await createService(cluster, ns, 'web', lbClass);
  const uid = created.metadata?.uid ?? '';
  const ready = await waitForIngress(cluster, ns, 'web');
  assert.deepEqual(ready.metadata?.finalizers, [FINALIZER]);
  assert.equal(ready.status?.loadBalancer?.ingress?.[0]?.ip, cloud.byService(uid)?.address);
  assert.equal(ready.status?.conditions?.find((c) => c.type === 'LoadBalancerReady')?.status, 'True');
  await eventually(async () => {
    const lines = (await serviceEvents(cluster, ns, 'web')).map(eventLine);
    assert.ok(lines.some((l) => l.startsWith('Normal EnsuringLoadBalancer')), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('Normal EnsuredLoadBalancer')), lines.join('\n'));
  });

  await cluster.core.deleteNamespacedService({ namespace: ns, name: 'web' });
  await eventually(async () => {
    const status = await getService(cluster, ns, 'web').then(
      () => 200,
      (err: unknown) => statusOf(err),
    );
    assert.equal(status, 404, 'the finalizer came off and the Service is gone');
  });
  assert.equal(cloud.byService(uid), undefined, 'deleted in the cloud');
  await eventually(async () => {
    const lines = (await serviceEvents(cluster, ns, 'web')).map(eventLine);
    assert.ok(lines.some((l) => l.startsWith('Normal DeletedLoadBalancer')), lines.join('\n'));
  });

  // A namespace being deleted refuses new Events with 403 too; that is not RBAC, so it is not counted.
  const refused = logLines.filter((l) => /forbidden|"status":403/i.test(l) && !/NamespaceTerminating/.test(l));
  assert.deepEqual(refused, [], 'no API call of the operator was refused by RBAC');
});

test('the same token is refused Secrets outside cloud-lb-system and cluster-wide', async () => {
  assert.ok(tokenKubeconfig, 'needs the token from the lifecycle test');
  await cluster.core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'elsewhere' }, stringData: { password: randomBytes(8).toString('hex') } },
  });
  const kc = new KubeConfig();
  kc.loadFromFile(tokenKubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const read = await core.readNamespacedSecret({ namespace: ns, name: 'elsewhere' }).then(
    () => 200,
    (err: unknown) => statusOf(err),
  );
  assert.equal(read, 403, 'reading a Secret in another namespace');
  const listed = await core.listSecretForAllNamespaces().then(
    () => 200,
    (err: unknown) => statusOf(err),
  );
  assert.equal(listed, 403, 'listing Secrets cluster-wide');
  const inOwnNamespace = await core.readNamespacedSecret({ namespace: OPERATOR_NAMESPACE, name: secretName });
  assert.equal(inOwnNamespace.metadata?.name, secretName, 'its own namespace is readable');
});

test('kubectl auth can-i, as the operator: what it needs is allowed, the rest refused', async () => {
  const allowed = [
    ['watch', 'services', '-A'],
    ['patch', 'services', '-n', 'any-namespace'],
    ['patch', 'services', '--subresource=status', '-n', 'any-namespace'],
    ['list', 'nodes'],
    ['create', 'events', '-n', 'any-namespace'],
    ['patch', 'events', '-n', 'default'],
    ['watch', 'loadbalancerproviders.cloudlb.dev'],
    ['patch', 'loadbalancerproviders.cloudlb.dev', '--subresource=status'],
    ['patch', 'loadbalancerproviders.cloudlb.dev'],
    ['watch', 'secrets', '-n', OPERATOR_NAMESPACE],
    ['create', 'leases.coordination.k8s.io', '-n', OPERATOR_NAMESPACE],
    ['update', 'leases.coordination.k8s.io/cloud-lb-operator', '-n', OPERATOR_NAMESPACE],
  ];
  const refused = [
    ['get', 'secrets', '-n', 'kube-system'],
    ['list', 'secrets', '-A'],
    ['create', 'secrets', '-n', OPERATOR_NAMESPACE],
    ['update', 'services', '-n', 'any-namespace'],
    ['delete', 'services', '-n', 'any-namespace'],
    ['create', 'services', '-n', 'any-namespace'],
    ['update', 'nodes'],
    ['patch', 'nodes', '--subresource=status'],
    ['update', 'services', '--subresource=status', '-n', 'any-namespace'],
    ['delete', 'events', '-n', 'default'],
    ['create', 'loadbalancerproviders.cloudlb.dev'],
    ['update', 'loadbalancerproviders.cloudlb.dev'],
    ['delete', 'loadbalancerproviders.cloudlb.dev'],
    ['update', 'leases.coordination.k8s.io/someone-else', '-n', OPERATOR_NAMESPACE],
    ['delete', 'leases.coordination.k8s.io/cloud-lb-operator', '-n', OPERATOR_NAMESPACE],
    ['create', 'leases.coordination.k8s.io', '-n', 'kube-system'],
    ['create', 'pods', '-n', OPERATOR_NAMESPACE],
    ['get', 'configmaps', '-n', OPERATOR_NAMESPACE],
  ];
  for (const [verb, ...rest] of [...allowed.map((a) => ['yes', ...a]), ...refused.map((r) => ['no', ...r])]) {
    const result = await kubectlAsOperator(['auth', 'can-i', ...rest]);
    assert.equal(result.stdout.trim(), verb, `can-i ${rest.join(' ')}: ${result.stdout}${result.stderr}`);
  }
});

test('the API server refuses a malformed LoadBalancerProvider, naming the field', async () => {
  // The test CRD is served again by now: its rule names the memory type after the builtin ones.
  const blocks = TEST_CRD_PROVIDERS.map((p) => `spec\\.${p.type}`).join(', ');
  const exactlyOne = new RegExp(`spec: Invalid value: .*exactly one of ${blocks} must be set`);
  const cases = [
    {
      what: 'two cloud blocks',
      spec: 'aws: { region: us-east-1 }\n  gcp: { project: my-project-1, region: europe-west1 }',
      message: exactlyOne,
    },
    {
      what: 'no cloud block',
      spec: 'default: false',
      message: exactlyOne,
    },
    { what: 'aws without region', spec: 'aws: {}', message: /spec\.aws\.region: Required value/ },
    { what: 'a malformed region', spec: 'aws: { region: Virginia }', message: /spec\.aws\.region: Invalid value: "Virginia"/ },
  ];
  for (const { what, spec, message } of cases) {
    const name = `deploy-bad-${id}`;
    const manifest = `apiVersion: cloudlb.dev/v1alpha1\nkind: LoadBalancerProvider\nmetadata:\n  name: ${name}\nspec:\n  ${spec}\n`;
    const result = await kubectl(['apply', '--server-side', '-f', '-'], manifest);
    assert.notEqual(result.code, 0, `${what}: accepted\n${result.stdout}`);
    assert.match(result.stderr, /is invalid/, what);
    assert.match(result.stderr, message, `${what}: ${result.stderr}`);
    assert.notEqual((await kubectl(['get', 'loadbalancerprovider', name])).code, 0, `${what}: not created`);
  }
});
