import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { exec } from './exec.ts';
import { freePort } from './free-port.ts';
import { PROJECT_ROOT } from './binaries.ts';
import { join } from 'node:path';

export interface Moto {
  /** http://HOST:PORT (HOST 127.0.0.1 unless asked) — pass as the SDK's endpoint. */
  readonly endpoint: string;
  /** Clears all state (POST /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** The command that starts moto_server, installing moto[server] with pip when it is missing. */
async function motoCommand(): Promise<string> {
  const probe = await exec('bash', ['-c', 'command -v moto_server']);
  if (probe.code === 0 && probe.stdout.trim() !== '') return probe.stdout.trim();
  const installed = await exec('bash', [join(PROJECT_ROOT, 'scripts', 'ensure-moto.sh')]);
  if (installed.code !== 0)
    throw new Error(`moto_server is not installed and pip could not install it: ${installed.stderr}`);
  return installed.stdout.trim().split('\n').pop() ?? 'moto_server';
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

export interface MotoOptions {
  /**
   * The address moto listens on (default 127.0.0.1). Only an address of this machine: pods of a
   * real node reach moto on the node IP (10.250.0.1), which lives on a local bridge.
   */
  readonly host?: string;
}

/** Starts moto_server on a free port of `host` and waits until it answers. One per test file. */
export async function startMoto(options: MotoOptions = {}): Promise<Moto> {
  const command = await motoCommand();
  const host = options.host ?? '127.0.0.1';
  const port = await freePort(host);
  const endpoint = `http://${host}:${port}`;
  const child: ChildProcess = spawn(command, ['-H', host, '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  while (!(await answers(endpoint))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not start on ${endpoint}: ${stderr}`);
    }
    await sleep(100);
  }
  // Ends moto with this process even when the test forgets stop() — no stray servers.
  const onExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', onExit);
  return {
    endpoint,
    reset: async () => {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`moto reset answered ${res.status}`);
    },
    stop: async () => {
      process.off('exit', onExit);
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
