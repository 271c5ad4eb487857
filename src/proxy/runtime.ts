import type { Engine } from '../decision/index.ts';
import { TrustedProxies } from './trusted-proxies.ts';

/** Per-engine values the data plane derives once from config (not per request). */
export interface ProxyRuntime {
  readonly trustedProxies: TrustedProxies;
  readonly mergeSlashes: boolean;
  readonly allowSemicolons: boolean;
  readonly identityHeaders: ReadonlySet<string>;
}

const cache = new WeakMap<Engine, ProxyRuntime>();

export function runtimeFor(engine: Engine): ProxyRuntime {
  let rt = cache.get(engine);
  if (!rt) {
    rt = {
      trustedProxies: new TrustedProxies(engine.config.proxy.trustedProxies),
      mergeSlashes: engine.config.proxy.mergeSlashes,
      allowSemicolons: engine.config.proxy.allowSemicolons,
      identityHeaders: identityHeaderNames(engine),
    };
    cache.set(engine, rt);
  }
  return rt;
}

/** Header names Gatehouse sets itself (assertion, plain claim headers): never accepted from clients. */
function identityHeaderNames(engine: Engine): ReadonlySet<string> {
  const names = new Set<string>([engine.config.assertion.header.toLowerCase()]);
  for (const r of engine.routes) {
    const h = r.assertion.plainHeaders;
    if (!h) continue;
    for (const v of [h.user, h.email, h.groups]) if (v) names.add(v.toLowerCase());
  }
  return names;
}
