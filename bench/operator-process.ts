// The driver's side of the operator process (bench/reconcile-operator.ts): start it, ask it
// questions over IPC, stop it. Shared by the benchmarks so each measures the operator in a process
// of its own.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { MemoryFigures, OperatorRequest, OperatorSettings, OperatorStats } from './reconcile-operator.ts';

export type { MemoryFigures, OperatorSettings, OperatorStats } from './reconcile-operator.ts';

/** Starts the operator process and resolves once its caches are synced and it runs. */
export async function startOperatorProcess(settings: OperatorSettings): Promise<ChildProcess> {
  const child = fork(fileURLToPath(new URL('./reconcile-operator.ts', import.meta.url)), [JSON.stringify(settings)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // --expose-gc: the 'gc' request measures the heap after a full collection.
    execArgv: [...process.execArgv, '--expose-gc'],
  });
  const [message] = (await Promise.race([once(child, 'message'), once(child, 'exit')])) as [unknown];
  if ((message as { ready?: boolean } | null)?.ready !== true) throw new Error('the operator process did not start');
  return child;
}

/**
 * Sends one request and resolves with its reply (the process answers requests in order, one each).
 * Throws when no reply comes within `timeoutMs`: a process whose event loop never gets to its IPC
 * channel must end the benchmark, not hang it.
 */
async function ask<T>(child: ChildProcess, request: OperatorRequest, timeoutMs = 60_000): Promise<T> {
  // The listeners that lose the race are removed, so repeated questions leave none behind.
  const settled = new AbortController();
  const reply = Promise.race([
    once(child, 'message', { signal: settled.signal }),
    once(child, 'exit', { signal: settled.signal }).then(() => {
      throw new Error('the operator process exited');
    }),
    sleep(timeoutMs, undefined, { signal: settled.signal }).then(() => {
      throw new Error(
        `the operator process did not answer ${typeof request === 'string' ? request : Object.keys(request).join()} within ${timeoutMs / 1000} s`,
      );
    }),
  ]);
  try {
    child.send(request);
    const [message] = (await reply) as [T];
    return message;
  } finally {
    settled.abort();
  }
}

export async function operatorStats(child: ChildProcess): Promise<OperatorStats> {
  return (await ask<{ stats: OperatorStats }>(child, 'stats')).stats;
}

/** Memory after a full garbage collection in the operator process. */
export async function operatorMemoryAfterGc(child: ChildProcess): Promise<MemoryFigures> {
  return (await ask<{ memory: MemoryFigures }>(child, 'gc')).memory;
}

/** Date.now() of the test provider's first ensure for each UID (null: not called yet). */
export async function firstEnsureTimes(child: ChildProcess, uids: readonly string[]): Promise<(number | null)[]> {
  return (await ask<{ times: (number | null)[] }>(child, { firstEnsures: uids })).times;
}

/** Writes a V8 heap snapshot of the operator process to `path`. */
export async function operatorHeapSnapshot(child: ChildProcess, path: string): Promise<string> {
  return (await ask<{ path: string }>(child, { heapSnapshot: path }, 600_000)).path;
}

/** Asks the operator to stop; kills the process if it has not exited after `graceMs`. */
export async function stopOperatorProcess(child: ChildProcess | undefined, graceMs = 20_000): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    if (child.connected) child.send('stop');
    else child.kill('SIGTERM');
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Runs `fn` over `items` with at most `concurrency` calls in flight. */
export async function pool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const index = next++;
        await fn(items[index] as T, index);
      }
    }),
  );
}
