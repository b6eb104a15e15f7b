import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths that may carry secrets in anything we log. pino replaces them before a line is written,
 * so a secret can never reach a log file even when a whole object is logged by mistake.
 */
const REDACT = [
  'token',
  'password',
  'secret',
  'authorization',
  'cookie',
  '*.token',
  '*.password',
  '*.secret',
  '*.authorization',
  '*.cookie',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
];

/** A JSON logger on stderr (stdout stays free for command output). Level from CHIMERA_LOG_LEVEL, default `warn`. */
export function createLogger(name = 'chimera', level = process.env.CHIMERA_LOG_LEVEL ?? 'warn'): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' } }, pino.destination(2));
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = pino({ level: 'silent' });
