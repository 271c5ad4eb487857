import { channels, type RequestFinishedEvent, type SessionEvent } from '../observe/index.ts';
import { LineWriter } from './line-writer.ts';
import { decisionLine } from './record.ts';

export interface AuditOptions {
  /** `stdout`, `stderr`, or `{ file }` (appended). */
  readonly output: 'stdout' | 'stderr' | { readonly file: string };
}

let isoMs = -1;
let iso = '';
/** The current time as ISO 8601, formatted at most once per millisecond (it is on every line). */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    iso = new Date(ms).toISOString();
  }
  return iso;
}

/**
 * The decision log: subscribes to `gatehouse:request:finished` and writes one JSON line per
 * request through a batching writer, so the request path makes no syscall.
 */
export class AuditLog {
  readonly #writer: LineWriter;
  readonly #onFinished = (message: unknown) => {
    // a subscriber that throws would surface as an uncaught exception: never let it
    try {
      this.#writer.write(decisionLine(message as RequestFinishedEvent, isoNow()));
    } catch {
      this.#writer.dropped++;
    }
  };

  readonly #onSession = (message: unknown) => {
    try {
      const e = message as SessionEvent;
      this.#writer.write(
        `{"log":"audit","time":"${isoNow()}","event":"session",${JSON.stringify({
          type: e.type,
          ...(e.subject !== undefined ? { subject: e.subject } : {}),
          ...(e.issuer !== undefined ? { issuer: e.issuer } : {}),
          ...(e.session !== undefined ? { session: e.session } : {}),
          ...(e.count !== undefined ? { count: e.count } : {}),
          ...(e.detail !== undefined ? { detail: e.detail } : {}),
        }).slice(1)}\n`,
      );
    } catch {
      this.#writer.dropped++;
    }
  };

  constructor(options: AuditOptions) {
    const target =
      options.output === 'stdout'
        ? 1
        : options.output === 'stderr'
          ? 2
          : (options.output as { file: string }).file;
    this.#writer = new LineWriter(target);
    channels.requestFinished.subscribe(this.#onFinished);
    channels.session.subscribe(this.#onSession);
  }

  /** Lines dropped because the output could not keep up. */
  get dropped(): number {
    return this.#writer.dropped;
  }

  /** Stop listening and write what is buffered. */
  close(): void {
    channels.requestFinished.unsubscribe(this.#onFinished);
    channels.session.unsubscribe(this.#onSession);
    this.#writer.close();
  }
}
