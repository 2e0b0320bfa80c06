// A TCP request and a UDP datagram, as a user would send them with curl or dig.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';

export function tcpRequest(host: string, port: number, text: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => socket.destroy(new Error(`no answer from ${host}:${port}/TCP`)), timeoutMs);
    socket.once('connect', () => socket.write(`${text}\n`));
    socket.once('data', (chunk) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(chunk.toString().trim());
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      reject(new Error(`${host}:${port}/TCP closed without an answer`));
    });
  });
}

export function udpRequest(host: string, port: number, text: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const finish = (done: () => void): void => {
      clearTimeout(timer);
      socket.close();
      done();
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`no answer from ${host}:${port}/UDP`))), timeoutMs);
    socket.once('message', (message) => finish(() => resolve(message.toString().trim())));
    socket.once('error', (error) => finish(() => reject(error)));
    socket.send(text, port, host);
  });
}
