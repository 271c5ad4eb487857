import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import type { UpstreamConfig } from '../config/index.ts';
import type { CompiledRoute } from '../decision/index.ts';

/**
 * Keep-alive connection pools, one per distinct upstream (origin + TLS settings + connect
 * timeout). Pools survive config reloads when their upstream did not change, so a reload
 * does not drop warm connections; pools no longer used are closed after a grace period.
 */
export class UpstreamPools {
  #pools = new Map<string, Pool>();
  #byRoute = new WeakMap<CompiledRoute, Pool>();

  /** The pool for a route's upstream (created on first use). */
  forRoute(route: CompiledRoute): Pool {
    let pool = this.#byRoute.get(route);
    if (pool) return pool;
    const upstream = route.upstream;
    if (!upstream) throw new Error(`route ${route.id} has no upstream`);
    const key = poolKey(upstream, route.timeouts.connectMs);
    pool = this.#pools.get(key);
    if (!pool) {
      pool = createPool(upstream, route.timeouts.connectMs);
      this.#pools.set(key, pool);
    }
    this.#byRoute.set(route, pool);
    return pool;
  }

  /** Close pools that no route of the given set uses (after a reload). */
  retainOnly(routes: readonly CompiledRoute[], graceMs: number): void {
    const keep = new Set<string>();
    for (const r of routes) if (r.upstream) keep.add(poolKey(r.upstream, r.timeouts.connectMs));
    for (const [key, pool] of this.#pools) {
      if (!keep.has(key)) {
        this.#pools.delete(key);
        setTimeout(() => void pool.close().catch(() => {}), graceMs).unref();
      }
    }
  }

  async close(): Promise<void> {
    const all = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(all.map((p) => p.close()));
  }

  async destroy(): Promise<void> {
    const all = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(all.map((p) => p.destroy()));
  }
}

function poolKey(u: UpstreamConfig, connectMs: number): string {
  return JSON.stringify([new URL(u.url).origin, u.tls ?? null, u.connections ?? 128, connectMs]);
}

function createPool(u: UpstreamConfig, connectMs: number): Pool {
  const url = new URL(u.url);
  const tls = u.tls;
  return new Pool(url.origin, {
    connections: u.connections ?? 128,
    pipelining: 1,
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 60_000,
    connect: {
      timeout: connectMs,
      ...(url.protocol === 'https:'
        ? {
            rejectUnauthorized: true,
            ...(tls?.caFile ? { ca: readFileSync(tls.caFile) } : {}),
            ...(tls?.certFile ? { cert: readFileSync(tls.certFile) } : {}),
            ...(tls?.keyFile ? { key: readFileSync(tls.keyFile) } : {}),
            ...(tls?.serverName ? { servername: tls.serverName } : {}),
          }
        : {}),
    },
  });
}
