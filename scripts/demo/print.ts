// Readable progress on stdout: steps, commands with their output, and results.
const useColor = process.stdout.isTTY && process.env['NO_COLOR'] === undefined;
const paint = (code: string, text: string): string => (useColor ? `\u001b[${code}m${text}\u001b[0m` : text);

export function step(text: string): void {
  process.stdout.write(`\n${paint('1;36', '==>')} ${paint('1', text)}\n`);
}

export function info(text: string): void {
  process.stdout.write(`    ${text}\n`);
}

export function ok(text: string): void {
  process.stdout.write(`    ${paint('32', '✓')} ${text}\n`);
}

export function warn(text: string): void {
  process.stdout.write(`    ${paint('33', '!')} ${text}\n`);
}

/** A command as the user would type it, then its output indented. */
export function command(args: readonly string[], output: string): void {
  process.stdout.write(`\n    ${paint('2', '$')} ${args.join(' ')}\n`);
  for (const line of output.replace(/\s+$/, '').split('\n')) process.stdout.write(`      ${line}\n`);
}
