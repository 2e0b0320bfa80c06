// GNU tar, asked to write the same bytes for the same tree every time: sorted names, one mtime,
// numeric owners, no atime/ctime in the pax headers. It keeps hard links, device files and owners
// the way debootstrap left them, which a tar library would have to be taught one by one.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface TarInput {
  readonly dir: string;
  /** Names inside `dir` to archive, recursively; sorted here. */
  readonly entries: readonly string[];
  /** 'root' stores every entry as 0:0 (what a Dockerfile COPY does); 'as-is' keeps the tree's owners. */
  readonly owner: 'root' | 'as-is';
  /** Every entry's mtime, in seconds since the epoch. */
  readonly epoch: number;
}

export function reproducibleTarArgs(input: TarInput, file = '-'): string[] {
  return [
    '--create',
    `--file=${file}`,
    '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    '--sort=name',
    `--mtime=@${input.epoch}`,
    '--numeric-owner',
    ...(input.owner === 'root' ? ['--owner=0', '--group=0'] : []),
    `--directory=${input.dir}`,
    '--',
    ...[...input.entries].sort(),
  ];
}

export interface RunningTar {
  /** The archive, when it goes to stdout; null when it goes to a file. */
  readonly stream: Readable | null;
  readonly finished: Promise<void>;
}

/** Starts tar; `finished` rejects with tar's own message when it fails. Writes to `file`, or stdout. */
export function startTar(input: TarInput, file?: string): RunningTar {
  const child = spawn('tar', reproducibleTarArgs(input, file), {
    stdio: ['ignore', file === undefined ? 'pipe' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const finished = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`tar of ${input.dir} failed (exit ${code ?? 'signal'}): ${stderr.trim()}`)),
    );
  });
  return { stream: child.stdout, finished };
}
