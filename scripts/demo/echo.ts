// What the demo's stand-in node ports say: which node answered, over which protocol, and what it
// was sent (see test/support/echo-node.ts for the servers themselves).
import { portIsFree, type EchoPorts, type EchoReply } from '../../test/support/echo-node.ts';

/** TCP replies end with a newline, as a line-oriented server's would; UDP replies are bare datagrams. */
export const demoReply: EchoReply = (node, protocol, payload) =>
  `hello from ${node} (${protocol}), you sent "${payload.trim()}"${protocol === 'TCP' ? '\n' : ''}`;

async function free(ip: string, port: number): Promise<boolean> {
  return (await portIsFree(ip, port, 'TCP')) && (await portIsFree(ip, port, 'UDP'));
}

/** Two ports in the NodePort range (30000-32767) free on every node IP, for TCP and UDP. */
export async function pickNodePorts(ips: readonly string[]): Promise<EchoPorts> {
  const found: number[] = [];
  for (let port = 30000 + Math.floor(Math.random() * 2000); found.length < 2 && port <= 32767; port++) {
    if ((await Promise.all(ips.map((ip) => free(ip, port)))).every(Boolean)) found.push(port);
  }
  const [tcp, udp] = found;
  if (tcp === undefined || udp === undefined)
    throw new Error('no free node ports in 30000-32767 on the loopback node addresses');
  return { tcp, udp };
}
