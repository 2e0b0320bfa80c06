// A real node works end to end: it is Ready, a pod schedules and runs from an imported image,
// a ClusterIP and a NodePort Service reach it through kube-proxy, and pod traffic has no way off
// this machine.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { busyboxImage, type TestImage } from '../support/busybox-image.ts';
import { deleteTestNamespaces, testNamespace } from '../harness/cluster.ts';
import { exec } from '../harness/exec.ts';
import { realNodeSkip, testRealCluster, type TestRealCluster } from '../harness/node.ts';
import { eventually } from '../harness/wait.ts';

const skip = realNodeSkip();

async function httpGet(host: string, port: number): Promise<string> {
  return await new Promise((resolve, reject) => {
    // A fresh connection each time: a kept-alive one would keep going where the first went.
    const req = request({ host, port, path: '/', timeout: 3_000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('a real node', { skip }, () => {
  let cluster: TestRealCluster;
  let image: TestImage;
  let namespace: string;
  const marker = `hello-${randomBytes(4).toString('hex')}`;

  before(async () => {
    cluster = await testRealCluster();
    image = await busyboxImage();
    await cluster.importImage(image.archive);
    namespace = await testNamespace(cluster, 'realnode');
  });
  after(deleteTestNamespaces);

  const podStatus = async (name: string) => (await cluster.core.readNamespacedPod({ name, namespace })).status;

  test('every node registers and is Ready', async () => {
    const nodes = (await cluster.core.listNode()).items;
    assert.deepEqual(nodes.map((n) => n.metadata?.name).sort(), cluster.nodes.map((n) => n.name).sort());
    for (const node of nodes) {
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
      assert.equal(ready?.status, 'True', `${node.metadata?.name ?? ''}: ${ready?.message ?? 'no Ready condition'}`);
    }
  });

  test('a pod schedules and runs from an imported image', async () => {
    await cluster.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'web', labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: image.reference,
              imagePullPolicy: 'Never',
              command: [
                '/bin/sh',
                '-c',
                `mkdir -p /www && echo ${marker} > /www/index.html && exec httpd -f -p 8080 -h /www`,
              ],
              ports: [{ containerPort: 8080 }],
              readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
            },
          ],
        },
      },
    });
    const status = await eventually(
      async () => {
        const s = await podStatus('web');
        assert.equal(s?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', `pod web: ${JSON.stringify(s)}`);
        return s;
      },
      { timeoutMs: 120_000, intervalMs: 500, message: 'pod web never became Ready' },
    );
    assert.match(status?.podIP ?? '', /^10\.244\./);
    assert.equal(await httpGet(status?.podIP ?? '', 8080), `${marker}\n`);
  });

  test('a ClusterIP and a NodePort Service reach the pod through kube-proxy', async () => {
    const service = await cluster.core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    });
    const clusterIP = service.spec?.clusterIP ?? '';
    const nodePort = service.spec?.ports?.[0]?.nodePort ?? 0;
    assert.match(clusterIP, /^10\.96\./);
    assert.ok(nodePort > 0);
    // kube-proxy programs the rules a moment after the Service appears: wait for the answer.
    const answered = async (host: string, port: number): Promise<void> => {
      await eventually(async () => assert.equal(await httpGet(host, port), `${marker}\n`), {
        timeoutMs: 60_000,
        message: `no answer from ${host}:${port}`,
      });
    };
    await answered(clusterIP, 80);
    for (const node of cluster.nodes) await answered(node.ip, nodePort);
  });

  test('a pod reaches the Service, and has no route off this machine', async () => {
    const service = await cluster.core.readNamespacedService({ name: 'web', namespace });
    const clusterIP = service.spec?.clusterIP ?? '';
    await cluster.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'client' },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'client',
              image: image.reference,
              imagePullPolicy: 'Never',
              command: [
                '/bin/sh',
                '-c',
                `ip route; until printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${clusterIP} 80; do sleep 1; done`,
              ],
            },
          ],
        },
      },
    });
    await eventually(async () => assert.equal((await podStatus('client'))?.phase, 'Succeeded'), {
      timeoutMs: 120_000,
      intervalMs: 500,
      message: 'the client pod never got an answer',
    });
    const logs = await cluster.kubectl(['-n', namespace, 'logs', 'client']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.ok(logs.stdout.includes(marker), logs.stdout);
    const routes = logs.stdout.split('\n').filter((line) => /^(default|\d+\.\d+\.\d+\.\d+)/.test(line));
    assert.ok(routes.length > 0, logs.stdout);
    assert.deepEqual(
      routes.filter((line) => line.startsWith('default')),
      [],
      `a pod must have no default route:\n${routes.join('\n')}`,
    );
  });

  test('from the host too, the cluster ranges lead nowhere off this machine, and pod traffic cannot leave its bridge', async () => {
    for (const unused of ['10.96.255.254', '10.244.255.254']) {
      const route = await exec('ip', ['route', 'get', unused]);
      assert.equal(route.code, 0, route.stderr);
      assert.match(route.stdout, /dev clbnodes0 /, `${unused} must end on the port-less node bridge: ${route.stdout}`);
    }
    for (const command of ['iptables', 'ip6tables']) {
      for (const direction of [
        ['-i', 'clbpods0', '!', '-o', 'clbpods0'],
        ['!', '-i', 'clbpods0', '-o', 'clbpods0'],
      ]) {
        const rule = [
          '-t',
          'mangle',
          '-C',
          'FORWARD',
          ...direction,
          '-m',
          'comment',
          '--comment',
          'cloudlb-realnode',
          '-j',
          'DROP',
        ];
        const check = await exec(command, rule);
        assert.equal(check.code, 0, `${command} ${rule.join(' ')}: ${check.stderr}`);
      }
    }
  });
});
