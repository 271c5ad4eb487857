import type { Duplex } from 'node:stream';
import { decide, type Engine, letsThrough, statusFor, type Verdict } from '../decision/index.ts';
import type { RequestInfo } from '../model/index.ts';
import { publish } from '../observe/index.ts';

interface Tunnel {
  readonly info: RequestInfo;
  readonly client: Duplex;
  readonly opened: number;
}

/**
 * Open WebSocket (upgrade) tunnels. A session start is not a grant: after a config reload,
 * and periodically (credential expiry, session revocation), every open tunnel's request is
 * decided again with the current engine, and a tunnel that would now be denied is closed.
 * The re-decision is recorded like any other (via `websocket-recheck`).
 */
export class Tunnels {
  readonly #open = new Set<Tunnel>();

  add(info: RequestInfo, client: Duplex): void {
    const t: Tunnel = { info, client, opened: performance.now() };
    this.#open.add(t);
    client.once('close', () => this.#open.delete(t));
  }

  get size(): number {
    return this.#open.size;
  }

  /** Decide every open tunnel again; resolves with how many were closed. */
  async recheck(engine: Engine, nowSeconds: number): Promise<number> {
    let closed = 0;
    await Promise.all(
      [...this.#open].map(async (t) => {
        let verdict: Verdict;
        try {
          const v = decide(engine, t.info, nowSeconds);
          verdict = v instanceof Promise ? await v : v;
        } catch {
          verdict = { decision: { outcome: 'deny', mode: 'enforce', reasons: ['internal-error'] } };
        }
        if (letsThrough(verdict.decision) && verdict.route?.upstream) return;
        if (t.client.destroyed) return;
        t.client.destroy();
        this.#open.delete(t);
        closed++;
        publish.requestFinished({
          request: t.info,
          decision: verdict.decision,
          status: statusFor(verdict.decision),
          durationMs: performance.now() - t.opened,
          via: 'websocket-recheck',
        });
      }),
    );
    return closed;
  }

  /** Close every tunnel (shutdown: an upgraded connection never "finishes" on its own). */
  closeAll(): void {
    for (const t of this.#open) t.client.destroy();
    this.#open.clear();
  }
}
