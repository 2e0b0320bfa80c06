// Backend pods for traffic tests: the operator image running a `node -e` server that answers every
// TCP line and every non-empty UDP datagram on port 8080 with its pod name. On SIGTERM it keeps answering
// until no request has come for a while (kube-proxy has taken it out of the Service by then), so
// deleting a pod drops no request that reached it.
import type { V1Deployment } from '@kubernetes/client-node';
import { AppsV1Api } from '@kubernetes/client-node';
import type { TestCluster } from '../../harness/cluster.ts';
import { isReady, podName } from './pods.ts';

export const ECHO_PORT = 8080;

/** The server: CommonJS for `node -e`; the pod name comes from the downward API. */
export const ECHO_SERVER = `
const net = require('node:net'), dgram = require('node:dgram');
const name = process.env.POD_NAME + '\\n';
// A request is a line or a non-empty datagram: probes (kubelet's readiness, the load balancer's
// health checks) connect or send nothing, and must not keep a terminating pod alive.
let lastRequest = Date.now();
const tcp = net.createServer((socket) => {
  let pending = '';
  socket.setEncoding('utf8').on('error', () => {});
  socket.on('data', (chunk) => {
    pending += chunk;
    for (let i = pending.indexOf('\\n'); i >= 0; i = pending.indexOf('\\n')) {
      lastRequest = Date.now();
      pending = pending.slice(i + 1);
      socket.write(name);
    }
  });
}).listen(${ECHO_PORT});
const udp = dgram.createSocket('udp4');
udp.on('message', (message, peer) => {
  if (message.length === 0) return;
  lastRequest = Date.now();
  udp.send(name, peer.port, peer.address);
}).bind(${ECHO_PORT});
// Idleness alone is no proof kube-proxy has stopped sending here: a client that stalls for 3 s
// would see the port close under a connection still routed to it (reset, seen in make demo). So
// it also serves for 10 s after SIGTERM, longer than the endpoint removal takes to reach kube-proxy.
process.on('SIGTERM', () => {
  const termAt = Date.now();
  setInterval(() => { if (Date.now() - termAt > 10000 && Date.now() - lastRequest > 3000) process.exit(0); }, 250);
});
`;

/** A Deployment of `replicas` echo pods labelled app=<name>, hardened like the operator's own pod. */
export function echoDeployment(name: string, image: string, replicas: number): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 30,
          enableServiceLinks: false,
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'echo',
              image,
              imagePullPolicy: 'Never',
              command: ['node', '-e', ECHO_SERVER],
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              ports: [
                { name: 'tcp', containerPort: ECHO_PORT, protocol: 'TCP' },
                { name: 'udp', containerPort: ECHO_PORT, protocol: 'UDP' },
              ],
              readinessProbe: { tcpSocket: { port: ECHO_PORT }, periodSeconds: 1 },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
            },
          ],
        },
      },
    },
  };
}

export async function createEcho(
  cluster: TestCluster,
  namespace: string,
  name: string,
  image: string,
  replicas: number,
): Promise<void> {
  await cluster.kc
    .makeApiClient(AppsV1Api)
    .createNamespacedDeployment({ namespace, body: echoDeployment(name, image, replicas) });
}

/** The echo pods that are Ready (not terminating), by name. */
export async function readyEchoPods(cluster: TestCluster, namespace: string, name: string): Promise<string[]> {
  const pods = await cluster.core.listNamespacedPod({ namespace, labelSelector: `app=${name}` });
  return pods.items.filter(isReady).map(podName).sort();
}
