// The real entry point as a process: flags, JSON logs, health and metrics, the Lease, SIGTERM.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { deleteTestNamespaces, testCluster, testNamespace, type TestCluster } from '../harness/cluster.ts';
import { freePort } from '../harness/free-port.ts';
import { eventually } from '../harness/wait.ts';
import { suffix } from '../support/fixture.ts';

let cluster: TestCluster;
let ns: string;

before(async () => {
  cluster = await testCluster();
  ns = await testNamespace(cluster, 'ctl-main');
});
after(async () => await deleteTestNamespaces());

test('a bad flag exits 2 with one line naming it', async () => {
  const child = spawn(process.execPath, ['src/main.ts', '--cluster-name', 'x', '--workers', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 2);
  assert.match(stderr, /^cloud-lb-operator: --workers must be at least 1\n/);
});

test('runs, serves health and metrics, holds the Lease, and on SIGTERM releases it and exits 0', async () => {
  const [health, metrics] = [await freePort(), await freePort()];
  const lease = `main-${suffix()}`;
  const child = spawn(
    process.execPath,
    [
      'src/main.ts',
      ...['--kubeconfig', cluster.kubeconfigPath, '--cluster-name', 'main-test', '--namespace', ns],
      ...[
        '--leader-elect',
        '--lease-name',
        lease,
        '--health-addr',
        `127.0.0.1:${health}`,
        '--metrics-addr',
        `127.0.0.1:${metrics}`,
      ],
      '--no-sweep',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    await eventually(async () => assert.equal((await fetch(`http://127.0.0.1:${health}/readyz`)).status, 200));
    assert.equal((await fetch(`http://127.0.0.1:${health}/healthz`)).status, 200);
    const text = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
    assert.match(text, /cloudlb_workqueue_depth/);
    const leases = cluster.kc.makeApiClient(CoordinationV1Api);
    await eventually(async () =>
      assert.ok((await leases.readNamespacedLease({ namespace: ns, name: lease })).spec?.holderIdentity),
    );
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
  const released = await cluster.kc
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ namespace: ns, name: lease });
  assert.ok(!released.spec?.holderIdentity, 'lease released');
  const lines = stdout.trim().split('\n');
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line);
  const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
  assert.ok(messages.includes('caches synced') && messages.includes('operator stopped'), messages.join('\n'));
});
