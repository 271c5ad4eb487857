import pino, { type Logger } from 'pino';

/**
 * The operational log (stderr, JSON lines): start-up, reloads, upstream and internal errors.
 * Separate from the audit stream. Never a token, cookie or secret value: errors are logged
 * by code and message only, and `redact` removes credential-shaped fields defensively.
 */
export function createLogger(level = process.env.GATEHOUSE_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: null,
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['*.authorization', '*.cookie', '*.token', '*.password', '*.secret', 'headers', '*.headers'],
        remove: true,
      },
    },
    pino.destination({ dest: 2, sync: true }),
  );
}

/** A safe one-line description of an error: its code and message, never a stack or cause chain. */
export function describeError(err: unknown): { code?: string; message: string } {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown };
    return { ...(typeof e.code === 'string' ? { code: e.code } : {}), message: String(e.message ?? 'error') };
  }
  return { message: String(err) };
}
