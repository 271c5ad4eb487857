import { closeSync, fsyncSync, openSync, write, writeSync } from 'node:fs';

/**
 * A buffered, asynchronous line writer for the audit stream. Lines are collected in memory and
 * written in batches (one `write` per `batchBytes` or per `flushMs`), with at most one write in
 * flight, so the request path never makes a syscall and never blocks on a slow consumer.
 * If the consumer cannot keep up and the backlog passes `maxBacklogBytes`, new lines are
 * dropped and counted (`dropped`): losing audit lines is reported, never silent.
 */
export class LineWriter {
  readonly #fd: number;
  readonly #ownsFd: boolean;
  readonly #batchBytes: number;
  readonly #maxBacklogBytes: number;
  #lines: string[] = [];
  #bytes = 0;
  #writing = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #flushMs: number;
  dropped = 0;

  constructor(
    target: number | string,
    options: { batchBytes?: number; flushMs?: number; maxBacklogBytes?: number } = {},
  ) {
    this.#ownsFd = typeof target === 'string';
    this.#fd = typeof target === 'string' ? openSync(target, 'a') : target;
    this.#batchBytes = options.batchBytes ?? 64 * 1024;
    this.#flushMs = options.flushMs ?? 100;
    this.#maxBacklogBytes = options.maxBacklogBytes ?? 64 * 1024 * 1024;
  }

  /** Queue one line (must end with a newline). */
  write(line: string): void {
    if (this.#bytes > this.#maxBacklogBytes) {
      this.dropped++;
      return;
    }
    this.#lines.push(line);
    this.#bytes += line.length;
    if (this.#bytes >= this.#batchBytes) this.#flush();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#flush();
      }, this.#flushMs);
      this.#timer.unref();
    }
  }

  #flush(): void {
    if (this.#writing || this.#lines.length === 0) return;
    const chunk = Buffer.from(this.#lines.join(''));
    this.#lines = [];
    this.#bytes = 0;
    this.#writing = true;
    const next = (offset: number) => {
      write(this.#fd, chunk, offset, chunk.length - offset, null, (err, written) => {
        if (err) {
          if (err.code === 'EAGAIN') {
            setTimeout(() => next(offset), 10).unref();
            return;
          }
          this.#writing = false;
          this.dropped++;
          return;
        }
        if (offset + written < chunk.length) {
          next(offset + written);
          return;
        }
        this.#writing = false;
        if (this.#bytes >= this.#batchBytes) this.#flush();
      });
    };
    next(0);
  }

  /** Write everything still buffered, synchronously (shutdown). */
  flushSync(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#lines.length === 0) return;
    const chunk = Buffer.from(this.#lines.join(''));
    this.#lines = [];
    this.#bytes = 0;
    let offset = 0;
    while (offset < chunk.length) {
      try {
        offset += writeSync(this.#fd, chunk, offset);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      }
    }
  }

  close(): void {
    this.flushSync();
    if (this.#ownsFd) {
      try {
        fsyncSync(this.#fd);
      } catch {}
      closeSync(this.#fd);
    }
  }
}
