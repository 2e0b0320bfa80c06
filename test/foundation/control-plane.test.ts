import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { deleteTestNamespaces, kubeconfigForToken, testCluster, testNamespace } from '../harness/cluster.ts';
import { eventually } from '../harness/wait.ts';

describe('the real control plane', () => {
  after(deleteTestNamespaces);

  it('answers kubectl with the generated kubeconfig', async () => {
    const cluster = await testCluster();
    const readyz = await cluster.kubectl(['get', '--raw', '/readyz']);
    assert.equal(readyz.stdout.trim(), 'ok');
    const namespaces = await cluster.kubectl(['get', 'ns', '-o', 'name']);
    assert.equal(namespaces.code, 0, namespaces.stderr);
    assert.match(namespaces.stdout, /namespace\/kube-system/);
    const version = await cluster.kubectl(['version', '-o', 'json']);
    const server = (JSON.parse(version.stdout) as { serverVersion: { gitVersion: string } }).serverVersion;
    assert.match(server.gitVersion, /^v1\.(3[4-9]|[4-9]\d)\.\d+$/, 'kube-apiserver reports its real version');
  });

  it('enforces RBAC: a ServiceAccount without rights gets 403 until a Role allows it', async () => {
    const cluster = await testCluster();
    const ns = await testNamespace(cluster, 'rbac');
    await cluster.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'nobody' } } });
    const tokenRequest = await cluster.core.createNamespacedServiceAccountToken({
      name: 'nobody',
      namespace: ns,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const token = tokenRequest.status?.token;
    assert.ok(token);
    const asNobody = ['--kubeconfig', await kubeconfigForToken(cluster, token), '-n', ns];

    const denied = await cluster.kubectl([...asNobody, 'get', 'configmaps']);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /Forbidden|forbidden/);
    const raw = await cluster.kubectl([...asNobody, 'get', '--raw', `/api/v1/namespaces/${ns}/configmaps`]);
    assert.match(raw.stderr, /403|Forbidden|forbidden/);

    const grant = await cluster.kubectl([
      '-n',
      ns,
      'create',
      'role',
      'read-cm',
      '--verb=list',
      '--resource=configmaps',
    ]);
    assert.equal(grant.code, 0, grant.stderr);
    const bind = await cluster.kubectl([
      '-n',
      ns,
      'create',
      'rolebinding',
      'read-cm',
      '--role=read-cm',
      `--serviceaccount=${ns}:nobody`,
    ]);
    assert.equal(bind.code, 0, bind.stderr);
    await eventually(async () => {
      const allowed = await cluster.kubectl([...asNobody, 'get', 'configmaps']);
      assert.equal(allowed.code, 0, allowed.stderr);
    });
  });

  it("has the project's CRDs Established, and establishes a new one", async () => {
    const cluster = await testCluster();
    const lbp = await cluster.kubectl([
      'get',
      'crd',
      'loadbalancerproviders.cloudlb.dev',
      '-o',
      'jsonpath={.status.conditions[?(@.type=="Established")].status}',
    ]);
    assert.equal(lbp.stdout, 'True');

    const fixture = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.fixture.cloudlb.dev' },
      spec: {
        group: 'fixture.cloudlb.dev',
        scope: 'Namespaced',
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
      },
    };
    try {
      const created = await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(fixture) });
      assert.equal(created.code, 0, created.stderr);
      const waited = await cluster.kubectl([
        'wait',
        '--for=condition=Established',
        'crd/widgets.fixture.cloudlb.dev',
        '--timeout=60s',
      ]);
      assert.equal(waited.code, 0, waited.stderr);
    } finally {
      await cluster.kubectl(['delete', 'crd', 'widgets.fixture.cloudlb.dev', '--ignore-not-found', '--wait=false']);
    }
  });
});
