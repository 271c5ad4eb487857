/**
 * The time limits of upstream exchanges (total, response headers, idle response body),
 * enforced by one sweep over the exchanges in flight instead of timers per request.
 *
 * Why not undici's `headersTimeout` / `bodyTimeout`: undici keeps a cleared timer in its
 * timer wheel until the wheel's next tick (up to a second), and the timer holds the whole
 * exchange (handler, headers, buffers) alive with it. At thousands of requests a second that
 * promotes megabytes per young-generation collection and turns each scavenge into a 10 ms
 * pause: the p99 of every proxied request. Here an exchange that ends leaves the set at once
 * and dies young. A limit fires within one sweep period (SWEEP_MS) after it passed.
 */

/** How often the exchanges in flight are checked, in ms. */
export const SWEEP_MS = 50;

/**
 * One exchange's limits; `fire` (by default, `expire`) is called at most once, when one is
 * exceeded. An exchange may extend this class and override `fire` instead of passing a callback.
 */
export class Deadline {
  readonly #startedAt: number;
  readonly #totalMs: number;
  readonly #headersMs: number;
  readonly #idleMs: number;
  readonly #expire: (() => void) | undefined;
  /** Response headers arrived (the idle limit applies from then on). */
  #headersAt = -1;
  /** Last response body data, or when the client resumed reading. */
  #lastData = 0;
  /** The client is not reading (backpressure): the idle limit does not run. */
  #paused = false;

  /** Limits in ms; 0 means none. `now` is `performance.now()` at the start. */
  constructor(now: number, totalMs: number, headersMs: number, idleMs: number, expire?: () => void) {
    this.#startedAt = now;
    this.#totalMs = totalMs;
    this.#headersMs = headersMs;
    this.#idleMs = idleMs;
    this.#expire = expire;
  }

  headersReceived(now: number): void {
    this.#headersAt = now;
    this.#lastData = now;
  }

  /** Index in Deadlines' slots while watched, else -1. */
  slot = -1;

  /** Body data arrived; `paused` says whether the client could not take it (backpressure). */
  data(now: number, paused: boolean): void {
    this.#lastData = now;
    this.#paused = paused;
  }

  /** The client drained: the idle limit runs again from now. */
  resumed(now: number): void {
    this.#paused = false;
    this.#lastData = now;
  }

  /** Whether a limit is exceeded at `now`. */
  exceeded(now: number): boolean {
    if (this.#totalMs > 0 && now - this.#startedAt > this.#totalMs) return true;
    if (this.#headersAt < 0) return this.#headersMs > 0 && now - this.#startedAt > this.#headersMs;
    return this.#idleMs > 0 && !this.#paused && now - this.#lastData > this.#idleMs;
  }

  fire(): void {
    this.#expire?.();
  }
}

/** The exchanges in flight, swept every SWEEP_MS while there are any. */
export class Deadlines {
  /** Watched exchanges by slot; freed slots are reused (a Set's churn here kept exchanges alive into the old generation). */
  readonly #slots: (Deadline | undefined)[] = [];
  readonly #free: number[] = [];
  #count = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #sweepMs: number;

  constructor(sweepMs = SWEEP_MS) {
    this.#sweepMs = sweepMs;
  }

  add(d: Deadline): void {
    if (d.slot >= 0) return;
    const slot = this.#free.pop() ?? this.#slots.length;
    this.#slots[slot] = d;
    d.slot = slot;
    this.#count++;
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#sweep(), this.#sweepMs);
      this.#timer.unref();
    }
  }

  delete(d: Deadline): void {
    const slot = d.slot;
    if (slot < 0) return;
    this.#slots[slot] = undefined;
    this.#free.push(slot);
    d.slot = -1;
    this.#count--;
  }

  /** Exchanges being watched (tests, diagnostics). */
  get size(): number {
    return this.#count;
  }

  #sweep(): void {
    if (this.#count === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    const now = performance.now();
    const slots = this.#slots;
    for (let i = 0; i < slots.length; i++) {
      const d = slots[i];
      if (d === undefined || !d.exceeded(now)) continue;
      this.delete(d);
      try {
        d.fire();
      } catch {
        // an exchange's abort must not stop the sweep of the others
      }
    }
  }
}
