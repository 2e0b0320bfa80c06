import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * One JSON line per record on stdout. Credentials never reach a log line: the provider manager
 * only ever logs Secret names and key names, and these paths are redacted as a second guard.
 */
export function createLogger(level: LevelWithSilent = 'info', name = 'cloud-lb-operator'): Logger {
  return pino({
    name,
    level,
    base: { name },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['credentials', '*.credentials', 'secret.data', '*.secretAccessKey', '*.privateKey'],
      censor: '[redacted]',
    },
  });
}

/** A logger that writes nothing; for tests and the benchmark. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
