import pino, { type Logger } from 'pino';
import { channels, type RequestFinishedEvent } from '../observe/index.ts';
import { decisionRecord } from './record.ts';

export interface AuditOptions {
  /** `stdout`, `stderr`, or `{ file }` (appended). */
  readonly output: 'stdout' | 'stderr' | { readonly file: string };
}

/**
 * The decision log: subscribes to `gatehouse:request:finished` and writes one JSON line per
 * request. Asynchronous buffered writes keep the hot path free of syscalls; `close()` flushes.
 */
export class AuditLog {
  readonly #logger: Logger;
  readonly #destination: ReturnType<typeof pino.destination>;
  readonly #onFinished = (message: unknown) => {
    this.#logger.info(decisionRecord(message as RequestFinishedEvent));
  };

  constructor(options: AuditOptions) {
    const dest =
      options.output === 'stdout'
        ? 1
        : options.output === 'stderr'
          ? 2
          : (options.output as { file: string }).file;
    this.#destination = pino.destination({
      dest,
      sync: false,
      minLength: 4096,
      mkdir: typeof dest === 'string',
    });
    this.#logger = pino(
      {
        base: null,
        messageKey: 'message',
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: () => ({ log: 'audit' }) },
      },
      this.#destination,
    );
    channels.requestFinished.subscribe(this.#onFinished);
  }

  /** Stop listening and flush what is buffered. */
  close(): void {
    channels.requestFinished.unsubscribe(this.#onFinished);
    try {
      this.#destination.flushSync();
    } catch {
      // not ready yet (nothing written): nothing to flush
    }
  }
}
