// Stand-ins for what a node port would answer in a real cluster (kube-proxy in front of a pod):
// a TCP and a UDP echo server on <node InternalIP>:<nodePort> that say which node answered.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';

export interface NodePorts {
  readonly tcp: number;
  readonly udp: number;
}

export class EchoNode {
  readonly name: string;
  readonly ip: string;
  readonly ports: NodePorts;
  #tcp: Server | undefined;
  #udp: UdpSocket | undefined;
  readonly #sockets = new Set<Socket>();

  constructor(name: string, ip: string, ports: NodePorts) {
    this.name = name;
    this.ip = ip;
    this.ports = ports;
  }

  get running(): boolean {
    return this.#tcp !== undefined;
  }

  async start(): Promise<void> {
    const tcp = createServer((socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      socket.on('data', (chunk) =>
        socket.write(`hello from ${this.name} (TCP), you sent "${chunk.toString().trim()}"\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host: this.ip, port: this.ports.tcp, exclusive: true }, () => resolve());
    });
    const udp = createSocket('udp4');
    udp.on('message', (message, from) => {
      // Empty datagrams are the load balancer's UDP health probe: nothing to answer.
      if (message.length === 0) return;
      udp.send(`hello from ${this.name} (UDP), you sent "${message.toString().trim()}"`, from.port, from.address);
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: this.ip, port: this.ports.udp, exclusive: true }, () => resolve());
    });
    this.#tcp = tcp;
    this.#udp = udp;
  }

  async stop(): Promise<void> {
    const tcp = this.#tcp;
    const udp = this.#udp;
    this.#tcp = undefined;
    this.#udp = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
  }
}

async function free(ip: string, port: number): Promise<boolean> {
  const tcpFree = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: ip, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
  if (!tcpFree) return false;
  return await new Promise<boolean>((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ address: ip, port, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

/** Two ports in the NodePort range (30000-32767) free on every node IP, for TCP and UDP. */
export async function pickNodePorts(ips: readonly string[]): Promise<NodePorts> {
  const found: number[] = [];
  for (let port = 30000 + Math.floor(Math.random() * 2000); found.length < 2 && port <= 32767; port++) {
    if ((await Promise.all(ips.map((ip) => free(ip, port)))).every(Boolean)) found.push(port);
  }
  const [tcp, udp] = found;
  if (tcp === undefined || udp === undefined)
    throw new Error('no free node ports in 30000-32767 on the loopback node addresses');
  return { tcp, udp };
}
