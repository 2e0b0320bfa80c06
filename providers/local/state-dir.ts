// Where the local provider keeps its address record, and the check that it can write there: a
// read-only root filesystem (the hardened pod) refuses the default under $HOME, and saying so
// once, on the LoadBalancerProvider, beats addresses that silently move after every restart.
import { accessSync, constants, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The operator flag and the environment variable that set the directory (README, "Flags"). */
export const STATE_DIR_FLAG = '--local-state-dir';
export const STATE_DIR_ENV = 'CLOUDLB_LOCAL_STATE_DIR';

/**
 * The directory: the setting (flag, else $CLOUDLB_LOCAL_STATE_DIR), else
 * $XDG_STATE_HOME/cloud-lb-operator, else ~/.local/state/cloud-lb-operator.
 */
export function stateDirectory(
  setting: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
  home: () => string = homedir,
): string {
  const chosen = setting ?? env[STATE_DIR_ENV];
  if (chosen !== undefined && chosen !== '') return chosen;
  return join(env['XDG_STATE_HOME'] || join(home(), '.local', 'state'), 'cloud-lb-operator');
}

/** One record file per cluster and LoadBalancerProvider object. */
export function recordFile(dir: string, clusterName: string, providerName: string): string {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(dir, `local-${safe(clusterName)}-${safe(providerName)}.json`);
}

/** The directory cannot hold the record; the message names it, the system's reason and the setting. */
export class StateDirectoryError extends Error {
  override readonly name = 'StateDirectoryError';
  readonly directory: string;

  constructor(directory: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'error';
    super(
      `the local provider cannot write its address record in ${directory} (${code}); set ${STATE_DIR_FLAG} or ${STATE_DIR_ENV} to a writable directory (in a pod, a mounted volume)`,
      { cause },
    );
    this.directory = directory;
  }
}

/** Creates the directory when missing; throws StateDirectoryError when this process cannot write there. */
export function ensureWritableDirectory(directory: string): void {
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    accessSync(directory, constants.W_OK);
  } catch (error) {
    throw new StateDirectoryError(directory, error);
  }
}
