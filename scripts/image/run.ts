// Running the build's tools: one line saying what and how long, their output kept for the error.
import { exec } from '../../test/harness/exec.ts';

export function step(message: string): void {
  process.stderr.write(`[image] ${message}\n`);
}

/** Runs a command to completion and returns its stdout; a non-zero exit throws with the tail of its output. */
export async function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<string> {
  const result = await exec(command, args, options);
  if (result.code !== 0) {
    const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.code}):\n${tail}`);
  }
  return result.stdout;
}
