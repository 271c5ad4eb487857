/**
 * Timing loops for micro-benchmark workers. Every operation is timed on its own with
 * `process.hrtime.bigint()` (about 35-45 ns per pair on the bench machine: included in the
 * figures, and reported as `timerOverheadNs`), into a log-linear histogram, so p50/p99 are
 * per-operation figures, not batch averages, and a GC pause shows in the tail.
 */

/** Result of a timing loop; latencies in ms to match the harness's Measurement. */
export interface Timed {
  /** Operations per second over the measured window (timer overhead included). */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Operations measured. */
  ops: number;
  /** Median cost of the timer itself per operation, in ns (included in p50/p99). */
  timerOverheadNs: number;
}

export interface LoopOptions {
  /** Warm-up (JIT, caches) before measuring, in ms. */
  warmupMs: number;
  /** Measured window, in ms. */
  durationMs: number;
}

/** Values below this are kept exactly (1 ns buckets); above, 1024 buckets per power of two. */
const LINEAR = 2048;
const SUB_BITS = 10;
const BUCKETS = LINEAR + 40 * (1 << SUB_BITS);

/** A log-linear latency histogram in ns (≤ 0.1% error above 2 µs). */
export class Histogram {
  readonly #counts = new Float64Array(BUCKETS);
  #total = 0;

  record(ns: number): void {
    this.#counts[bucketOf(ns)]!++;
    this.#total++;
  }

  get count(): number {
    return this.#total;
  }

  /** The value at percentile `p` (0-100), in ns. */
  percentile(p: number): number {
    if (this.#total === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return bucketValue(i);
    }
    return bucketValue(BUCKETS - 1);
  }
}

function bucketOf(ns: number): number {
  const v = Math.max(0, Math.floor(ns));
  if (v < LINEAR) return v;
  const e = Math.floor(Math.log2(v));
  const sub = Math.min(
    (1 << SUB_BITS) - 1,
    Math.max(0, Math.floor(v / 2 ** (e - SUB_BITS)) - (1 << SUB_BITS)),
  );
  return Math.min(BUCKETS - 1, LINEAR + (e - 11) * (1 << SUB_BITS) + sub);
}

function bucketValue(bucket: number): number {
  if (bucket < LINEAR) return bucket;
  const k = bucket - LINEAR;
  const e = Math.floor(k / (1 << SUB_BITS)) + 11;
  const sub = k % (1 << SUB_BITS);
  // middle of the bucket
  return ((1 << SUB_BITS) + sub + 0.5) * 2 ** (e - SUB_BITS);
}

/** Median cost of one `hrtime.bigint()` pair around nothing, in ns. */
export function timerOverheadNs(): number {
  const h = new Histogram();
  for (let i = 0; i < 200_000; i++) {
    const t0 = process.hrtime.bigint();
    h.record(Number(process.hrtime.bigint() - t0));
  }
  return h.percentile(50);
}

function result(h: Histogram, totalNs: number, overhead: number): Timed {
  return {
    rps: h.count / (totalNs / 1e9),
    p50Ms: h.percentile(50) / 1e6,
    p99Ms: h.percentile(99) / 1e6,
    ops: h.count,
    timerOverheadNs: overhead,
  };
}

/**
 * Runs `op(i)` (i counts up from 0 across warm-up and measurement) for the warm-up, then for
 * the measured window, timing each call. The clock is read every 256 calls to end the loop.
 */
export function timeSync(op: (i: number) => unknown, options: LoopOptions): Timed {
  const overhead = timerOverheadNs();
  let i = 0;
  const warmEnd = performance.now() + options.warmupMs;
  while (performance.now() < warmEnd) for (let k = 0; k < 256; k++) op(i++);
  const h = new Histogram();
  const start = process.hrtime.bigint();
  const end = performance.now() + options.durationMs;
  while (performance.now() < end) {
    for (let k = 0; k < 256; k++) {
      const t0 = process.hrtime.bigint();
      op(i++);
      h.record(Number(process.hrtime.bigint() - t0));
    }
  }
  return result(h, Number(process.hrtime.bigint() - start), overhead);
}

/** `timeSync` for operations that may return a promise: each one is awaited before the next. */
export async function timeAsync(op: (i: number) => unknown, options: LoopOptions): Promise<Timed> {
  const overhead = timerOverheadNs();
  let i = 0;
  const warmEnd = performance.now() + options.warmupMs;
  while (performance.now() < warmEnd) await op(i++);
  const h = new Histogram();
  const start = process.hrtime.bigint();
  const end = performance.now() + options.durationMs;
  while (performance.now() < end) {
    const t0 = process.hrtime.bigint();
    await op(i++);
    h.record(Number(process.hrtime.bigint() - t0));
  }
  return result(h, Number(process.hrtime.bigint() - start), overhead);
}

/** Prints the worker's one-line JSON answer. */
export function answer(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * Runs a worker's `main` with its JSON argument; a thrown error is printed to stderr and the
 * process exits 1 (the scenario then fails with the log tail).
 */
export function runMain<I>(main: (input: I) => Promise<void>): void {
  let input: I;
  try {
    input = JSON.parse(process.argv[2] ?? '') as I;
  } catch {
    process.stderr.write('usage: node micro/<worker>.ts <json input>\n');
    process.exit(2);
  }
  main(input).catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
