// Real traffic from this machine to real pods: a local-provider Service (deploy/overlays/local, the
// operator on the host network) carries TCP and UDP through its load-balancer address and through
// kube-proxy's node ports to echo pods that answer with their name; deleting a backend pod while
// requests flow loses none of them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { V1Service } from '@kubernetes/client-node';
import { deleteTestNamespaces, testNamespace } from '../harness/cluster.ts';
import { realNodeSkip } from '../harness/node.ts';
import { eventually } from '../harness/wait.ts';
import { createService, waitForIngress } from '../support/fixture.ts';
import { answersFrom, askTcp, askUdp, TcpStream } from './support/ask.ts';
import { createEcho, ECHO_PORT, readyEchoPods } from './support/echo.ts';
import { OPERATOR_NAMESPACE } from './support/install.ts';
import { followLog } from './support/logs.ts';
import { installOperator, POD_START_MS, waitForOperator, type OperatorInCluster } from './support/operator.ts';
import { podName } from './support/pods.ts';
import { deleteServiceAndWait } from './support/services.ts';

const skip = realNodeSkip();
const BACKENDS = 3;
/** Above 1024: the operator runs as a user, and a lower port is refused per port (docs/local.md). */
const PORT = 18090;
/** Enough tries that missing one of three backends by chance is out of the question (each try: 1/3). */
const ATTEMPTS = 200;

describe('traffic through a local-provider Service to real pods', { skip }, () => {
  let operator: OperatorInCluster;
  let namespace: string;
  let service: V1Service;
  let backends: string[];
  let address: string;
  let nodeIP: string;

  before(async () => {
    operator = await installOperator(
      { from: 'overlays/local', clusterName: `traffic-${randomBytes(3).toString('hex')}` },
      1,
    );
    const { cluster } = operator;
    namespace = await testNamespace(cluster, 'traffic');
    await createEcho(cluster, namespace, 'echo', operator.image, BACKENDS);
    await createService(cluster, namespace, 'echo', undefined, [
      { name: 'tcp', port: PORT, targetPort: ECHO_PORT, protocol: 'TCP' },
      { name: 'udp', port: PORT, targetPort: ECHO_PORT, protocol: 'UDP' },
    ]);
    service = await waitForIngress(cluster, namespace, 'echo', { timeoutMs: POD_START_MS });
    address = service.status?.loadBalancer?.ingress?.[0]?.ip ?? '';
    nodeIP = cluster.nodes[0]?.ip ?? '';
    backends = await eventually(
      async () => {
        const ready = await readyEchoPods(cluster, namespace, 'echo');
        assert.equal(ready.length, BACKENDS);
        return ready;
      },
      { timeoutMs: POD_START_MS, intervalMs: 1_000, message: 'the echo pods never became Ready' },
    );
  });
  after(async () => {
    if (namespace !== undefined) await deleteServiceAndWait(operator.cluster, namespace, 'echo');
    await deleteTestNamespaces();
    await operator?.installed.uninstall();
  });

  const nodePort = (protocol: 'TCP' | 'UDP'): number =>
    service.spec?.ports?.find((p) => p.protocol === protocol)?.nodePort ?? 0;

  /** kube-proxy and the proxy take a moment after the Service is ready: the first answer is awaited. */
  const firstAnswer = async (ask: () => Promise<string>, what: string): Promise<void> => {
    await eventually(ask, { timeoutMs: 60_000, intervalMs: 500, message: `no answer from ${what}` });
  };

  test('TCP and UDP through the load-balancer address reach every backend pod', async () => {
    assert.match(address, /^127\.77\.0\.\d+$/);
    for (const [protocol, ask] of [
      ['TCP', () => askTcp(address, PORT)],
      ['UDP', () => askUdp(address, PORT)],
    ] as const) {
      await firstAnswer(ask, `${address}:${PORT}/${protocol}`);
      assert.deepEqual([...(await answersFrom(ask, backends, ATTEMPTS))].sort(), backends, protocol);
    }
  });

  test("TCP and UDP through kube-proxy's node ports reach every backend pod", async () => {
    for (const [protocol, ask] of [
      ['TCP', () => askTcp(nodeIP, nodePort('TCP'))],
      ['UDP', () => askUdp(nodeIP, nodePort('UDP'))],
    ] as const) {
      assert.ok(nodePort(protocol) > 0, `${protocol} has a node port`);
      await firstAnswer(ask, `${nodeIP}:${nodePort(protocol)}/${protocol}`);
      assert.deepEqual([...(await answersFrom(ask, backends, ATTEMPTS))].sort(), backends, protocol);
    }
  });

  test('a backend pod deleted mid-stream: every request is answered, by the others', async () => {
    const { cluster } = operator;
    const { leader } = await waitForOperator(cluster, 1);
    const operatorLog = await followLog(cluster, OPERATOR_NAMESPACE, podName(leader));
    const stream = await TcpStream.open(address, PORT);
    const streamPod = await stream.ask();
    const victim = backends.find((name) => name !== streamPod) ?? '';
    const answers = { tcp: [] as string[], udp: [] as string[], stream: [] as string[] };
    const errors: string[] = [];
    let running = true;
    const t0 = Date.now();
    const note = async (list: string[], ask: () => Promise<string>, what: string): Promise<void> => {
      await ask().then(
        (name) => void list.push(name),
        (error: unknown) => void errors.push(`${Date.now() - t0} ms: ${what}: ${String(error)}`),
      );
    };
    const traffic = (async () => {
      while (running) {
        await note(answers.tcp, () => askTcp(address, PORT), 'new TCP connection');
        await note(answers.udp, () => askUdp(address, PORT), 'UDP datagram');
        await note(answers.stream, () => stream.ask(), 'open TCP stream');
        // Paced: every UDP request is a new client, for which the proxy keeps a session 30 s
        // (4096 at most, then it drops new clients, as a real load balancer's table fills).
        await sleep(20);
      }
    })();
    try {
      await cluster.core.deleteNamespacedPod({ name: victim, namespace });
      // The pod object goes once its process has exited: from then on nothing can reach it.
      await eventually(
        async () => {
          const names = (await cluster.core.listNamespacedPod({ namespace, labelSelector: 'app=echo' })).items.map(
            (p) => p.metadata?.name,
          );
          assert.ok(!names.includes(victim), `${victim} still exists`);
        },
        { timeoutMs: 120_000, intervalMs: 500, message: `${victim} was never gone` },
      );
      const afterGone = answers.tcp.length;
      const goneAt = Date.now() - t0;
      await eventually(() => assert.ok(answers.tcp.length >= afterGone + 20), {
        timeoutMs: 120_000,
        message: 'traffic stopped after the pod was gone',
      });
      running = false;
      await traffic;
      const proxyLines = operatorLog
        .text()
        .split('\n')
        .filter((line) => /backend|health|UDP|proxy/i.test(line));
      assert.deepEqual(
        errors,
        [],
        `${victim} gone at ${goneAt} ms; the operator said:\n${proxyLines.slice(-20).join('\n')}`,
      );
      const later = answers.tcp.slice(afterGone);
      assert.ok(later.length >= 20);
      assert.ok(!later.includes(victim), `${victim} answered after it was gone`);
      const stillThere = await readyEchoPods(cluster, namespace, 'echo');
      for (const name of later) assert.ok(stillThere.includes(name), `${name} is a Ready backend`);
      assert.ok(answers.stream.length > 0);
      assert.deepEqual(new Set(answers.stream), new Set([streamPod]), 'the open stream stays with its pod');
    } finally {
      running = false;
      await traffic;
      stream.close();
      operatorLog.stop();
    }
  });
});
