import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { buildConnector, type Dispatcher, Pool } from 'undici';
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
  const common = {
    connections: u.connections ?? 128,
    pipelining: 1,
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 60_000,
  };
  if (url.protocol !== 'https:') return new Pool(url.origin, { ...common, connect: { timeout: connectMs } });
  const tls = u.tls;
  // The name sent as SNI and checked against the upstream certificate: tls.serverName, else
  // the URL's host name; none for an IP literal (checked against the certificate's IP SANs).
  const tlsName = tls?.serverName ?? (isIP(url.hostname.replace(/^\[|\]$/g, '')) ? undefined : url.hostname);
  const connector = buildConnector({
    timeout: connectMs,
    rejectUnauthorized: true,
    ...(tls?.caFile ? { ca: readFileSync(tls.caFile) } : {}),
    ...(tls?.certFile ? { cert: readFileSync(tls.certFile) } : {}),
    ...(tls?.keyFile ? { key: readFileSync(tls.keyFile) } : {}),
    ...(tlsName ? { servername: tlsName } : {}),
  });
  return new TlsNamePinnedPool(
    url.origin,
    {
      ...common,
      // undici would take the TLS name from the request's Host header (the client's host),
      // not from the upstream URL or tls.serverName: ignore what it passes and use ours.
      connect: (opts, callback) => connector({ ...opts, servername: tlsName }, callback),
    },
    tlsName ?? url.hostname,
  );
}

/**
 * undici gives every request a TLS server name taken from its Host header, and closes a
 * keep-alive connection whenever the next request's name differs. Gatehouse forwards the
 * client's Host, so routes with different hosts sharing one upstream would verify the wrong
 * name and churn connections. Every request through this pool carries one constant name.
 */
class TlsNamePinnedPool extends Pool {
  readonly #servername: string;

  constructor(origin: string, options: Pool.Options, servername: string) {
    super(origin, options);
    this.#servername = servername;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return super.dispatch(
      { ...options, servername: this.#servername } as Dispatcher.DispatchOptions,
      handler,
    );
  }
}
