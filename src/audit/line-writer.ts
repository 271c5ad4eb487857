import { closeSync, fsyncSync, openSync, write, writeSync } from 'node:fs';

/**
 * A buffered, asynchronous line writer for the audit stream. Each line is encoded once,
 * straight into a batch buffer (no string kept alive until the flush); full batches are
 * written one `write` at a time, at most one in flight, and a partial batch after `flushMs`.
 * So the request path makes no syscall and never blocks on a slow consumer.
 * If the consumer cannot keep up and the backlog passes `maxBacklogBytes`, new lines are
 * dropped and counted (`dropped`): losing audit lines is reported, never silent.
 */
export class LineWriter {
  readonly #fd: number;
  readonly #ownsFd: boolean;
  readonly #batchBytes: number;
  readonly #maxBacklogBytes: number;
  readonly #flushMs: number;
  /** The batch being filled, and how much of it is used. */
  #batch: Buffer;
  #used = 0;
  /** Full batches waiting to be written, oldest first, and their total size. */
  readonly #queue: Buffer[] = [];
  #queued = 0;
  #writing = false;
  #timer: NodeJS.Timeout | undefined;
  /** Batch buffers whose write finished, kept for reuse (no new 64 KiB allocation per batch). */
  readonly #spare: Buffer[] = [];
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
    this.#batch = Buffer.allocUnsafe(this.#batchBytes);
  }

  /** Queue one line (must end with a newline). */
  write(line: string): void {
    if (this.#queued + this.#used > this.#maxBacklogBytes) {
      this.dropped++;
      return;
    }
    // UTF-8 needs at most 3 bytes per UTF-16 code unit
    if (line.length * 3 > this.#batch.length - this.#used) {
      this.#seal();
      if (line.length * 3 > this.#batch.length) {
        const big = Buffer.from(line);
        this.#queue.push(big);
        this.#queued += big.length;
        this.#drain();
        return;
      }
    }
    this.#used += this.#batch.write(line, this.#used);
    if (this.#used >= this.#batchBytes / 2 && !this.#writing) {
      this.#seal();
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#seal();
      }, this.#flushMs);
      this.#timer.unref();
    }
  }

  /** Move the batch being filled to the queue and start writing. */
  #seal(): void {
    if (this.#used > 0) {
      const full = this.#batch.subarray(0, this.#used);
      this.#queue.push(full);
      this.#queued += full.length;
      this.#batch = this.#spare.pop() ?? Buffer.allocUnsafe(this.#batchBytes);
      this.#used = 0;
    }
    this.#drain();
  }

  #drain(): void {
    if (this.#writing) return;
    const chunk = this.#queue.shift();
    if (!chunk) return;
    this.#writing = true;
    const next = (offset: number) => {
      write(this.#fd, chunk, offset, chunk.length - offset, null, (err, written) => {
        if (err) {
          if (err.code === 'EAGAIN') {
            setTimeout(() => next(offset), 10).unref();
            return;
          }
          this.#writing = false;
          this.#queued -= chunk.length;
          this.dropped++;
          this.#drain();
          return;
        }
        if (offset + written < chunk.length) {
          next(offset + written);
          return;
        }
        this.#writing = false;
        this.#queued -= chunk.length;
        // a batch-sized buffer goes back for reuse (a few are enough: one filling, one writing)
        if (chunk.buffer.byteLength === this.#batchBytes && chunk.byteOffset === 0 && this.#spare.length < 4)
          this.#spare.push(Buffer.from(chunk.buffer, 0, this.#batchBytes));
        // a batch that filled while this one was written goes next
        if (this.#queue.length === 0 && this.#used >= this.#batchBytes / 2) this.#seal();
        else this.#drain();
      });
    };
    next(0);
  }

  /** Write everything still buffered, synchronously (shutdown). */
  flushSync(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const chunks = this.#queue.splice(0);
    if (this.#used > 0) chunks.push(this.#batch.subarray(0, this.#used));
    this.#batch = Buffer.allocUnsafe(this.#batchBytes);
    this.#used = 0;
    this.#queued = 0;
    for (const chunk of chunks) {
      let offset = 0;
      while (offset < chunk.length) {
        try {
          offset += writeSync(this.#fd, chunk, offset);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return;
        }
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
