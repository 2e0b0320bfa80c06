// A pod's log read to its end: `kubectl logs -f` started while the pod runs keeps what it wrote
// until its container exits, which a pod being deleted no longer serves afterwards.
import { spawn } from 'node:child_process';
import { findBinaries } from '../../harness/binaries.ts';
import type { TestCluster } from '../../harness/cluster.ts';

export interface FollowedLog {
  /** Everything the container wrote, once it has exited (the follow ends with it). */
  readonly ended: Promise<string>;
  /** What it has written so far. */
  text(): string;
  /** Stops following a container that keeps running. */
  stop(): void;
}

export async function followLog(cluster: TestCluster, namespace: string, pod: string): Promise<FollowedLog> {
  const { kubectl } = await findBinaries();
  const child = spawn(kubectl, ['--kubeconfig', cluster.kubeconfigPath, '-n', namespace, 'logs', '-f', pod], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  // The follow is attached once the first line arrives (the operator logs at start, long before).
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`kubectl logs -f ${pod} exited (${code ?? 'signal'}) before any line`)),
    );
  });
  return {
    ended: new Promise((resolve) => child.once('exit', () => resolve(text))),
    text: () => text,
    stop: () => child.kill('SIGTERM'),
  };
}

/** The JSON log lines with message `msg`. */
export function logLines(text: string, msg: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry['msg'] === msg);
}
