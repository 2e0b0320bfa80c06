// Clients for the echo backends, as a user's program would talk to a load balancer: one request
// per connection or datagram (UDP retried as resolvers do), and one long-lived TCP stream.
import { connect, type Socket } from 'node:net';
import { tcpRequest, udpRequest } from '../../../scripts/demo/clients.ts';

/** The pod name answering one new TCP connection. */
export async function askTcp(host: string, port: number): Promise<string> {
  return await tcpRequest(host, port, 'who', 10_000);
}

/** The pod name answering a UDP datagram; a lost datagram is sent again (three tries), as dig does. */
export async function askUdp(host: string, port: number): Promise<string> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await udpRequest(host, port, 'who', 3_000);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/** Asks until `wanted` names have all answered, at most `attempts` times; returns every name seen. */
export async function answersFrom(
  ask: () => Promise<string>,
  wanted: readonly string[],
  attempts: number,
): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < attempts && !wanted.every((w) => seen.has(w)); i++) seen.add(await ask());
  return seen;
}

/** One TCP connection kept open: each ask() sends a line and reads the one-line answer. */
export class TcpStream {
  readonly #socket: Socket;
  #buffer = '';
  readonly #waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  #failure: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      for (let i = this.#buffer.indexOf('\n'); i >= 0; i = this.#buffer.indexOf('\n')) {
        const line = this.#buffer.slice(0, i);
        this.#buffer = this.#buffer.slice(i + 1);
        this.#waiting.shift()?.resolve(line);
      }
    });
    const fail = (error: Error): void => {
      this.#failure ??= error;
      for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#failure);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the stream was closed')));
  }

  static async open(host: string, port: number): Promise<TcpStream> {
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new TcpStream(socket);
  }

  async ask(): Promise<string> {
    if (this.#failure !== undefined) throw this.#failure;
    const answer = new Promise<string>((resolve, reject) => this.#waiting.push({ resolve, reject }));
    this.#socket.write('who\n');
    return await answer;
  }

  close(): void {
    this.#socket.destroy();
  }
}
