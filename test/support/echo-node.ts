// A stand-in for what a node port answers in a real cluster (kube-proxy in front of a pod): a TCP
// and a UDP echo server on <node address>:<node port> whose reply says which node answered. Used
// by the local provider's data-path tests and by `make demo`, each with its own reply text.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { Target } from '../../src/provider/contract.ts';

export type EchoProtocol = 'TCP' | 'UDP';

export interface EchoPorts {
  readonly tcp: number;
  readonly udp: number;
}

/** The whole answer to one TCP chunk or UDP datagram `payload` received by node `node`. */
export type EchoReply = (node: string, protocol: EchoProtocol, payload: string) => string;

export class EchoNode {
  readonly name: string;
  readonly host: string;
  readonly ports: EchoPorts;
  readonly #reply: EchoReply;
  #tcp: Server | undefined;
  #udp: UdpSocket | undefined;
  readonly #sockets = new Set<Socket>();

  constructor(name: string, host: string, ports: EchoPorts, reply: EchoReply) {
    this.name = name;
    this.host = host;
    this.ports = ports;
    this.#reply = reply;
  }

  get running(): boolean {
    return this.#tcp !== undefined;
  }

  async start(): Promise<void> {
    const tcp = createServer((socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      socket.on('data', (chunk) => socket.write(this.#reply(this.name, 'TCP', chunk.toString())));
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host: this.host, port: this.ports.tcp, exclusive: true }, () => resolve());
    });
    const udp = createSocket('udp4');
    udp.on('message', (message, from) => {
      // Empty datagrams are the load balancer's UDP health probe: nothing to answer.
      if (message.length === 0) return;
      udp.send(this.#reply(this.name, 'UDP', message.toString()), from.port, from.address);
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: this.host, port: this.ports.udp, exclusive: true }, () => resolve());
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

  /** This node as a load-balancer target, reached at its host address. */
  target(): Target {
    return { nodeName: this.name, addresses: [{ type: 'InternalIP', address: this.host }], labels: {} };
  }
}

/** Whether `port` can be bound right now on `host` for `protocol` (bound exclusively, then released). */
export async function portIsFree(host: string, port: number, protocol: EchoProtocol): Promise<boolean> {
  if (protocol === 'TCP') {
    const server = createServer();
    return new Promise((resolve) => {
      server.once('error', () => resolve(false));
      server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
    });
  }
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ address: host, port, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}
