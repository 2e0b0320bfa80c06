import { pino, type Logger } from 'pino';

/** A logger that keeps its JSON lines in memory, so a test can look at what the code logged. */
export function captureLog(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'debug' },
    {
      write(line: string) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return { log, lines };
}
