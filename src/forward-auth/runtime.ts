import type { ForwardAuthConfig } from '../config/index.ts';
import type { Engine } from '../decision/index.ts';
import { publish } from '../observe/index.ts';
import { TrustedProxies } from '../proxy/index.ts';
import { sourcePrincipalAuthenticator } from './source-principal.ts';

/** Per-engine values forward-auth derives once from config (not per check). */
export interface ForwardAuthRuntime {
  readonly config: ForwardAuthConfig;
  /** Who may ask (`forwardAuth.trustedProxies`). */
  readonly peers: TrustedProxies;
  /** Whose X-Forwarded-For is believed: the askers and `proxy.trustedProxies`. */
  readonly forwarders: TrustedProxies;
  readonly mergeSlashes: boolean;
  readonly allowSemicolons: boolean;
  /** Largest header block of an ext_authz check, in bytes (`proxy.maxHeaderBytes`). */
  readonly maxHeaderBytes: number;
  /** Lower-case names of the identity headers Gatehouse answers with (never taken from a client). */
  readonly identityHeaders: ReadonlySet<string>;
  /** The engine `decide()` runs on: for ext_authz with a trusted source principal, its authenticator comes first. */
  readonly engine: Engine;
}

const cache = new WeakMap<Engine, ForwardAuthRuntime | null>();

/** The forward-auth runtime of an engine, or undefined when `forwardAuth` is not configured. */
export function forwardAuthRuntime(engine: Engine): ForwardAuthRuntime | undefined {
  let rt = cache.get(engine);
  if (rt === undefined) {
    rt = build(engine);
    cache.set(engine, rt);
  }
  return rt ?? undefined;
}

function build(engine: Engine): ForwardAuthRuntime | null {
  const config = engine.config.forwardAuth;
  if (!config) return null;
  const identityHeaders = new Set<string>([engine.config.assertion.header.toLowerCase()]);
  for (const r of engine.routes) {
    const h = r.assertion.plainHeaders;
    if (h) for (const v of [h.user, h.email, h.groups]) if (v) identityHeaders.add(v.toLowerCase());
  }
  for (const name of Object.keys(config.responseHeaders)) identityHeaders.add(name.toLowerCase());
  let decideOn = engine;
  if (config.grpc?.trustSourcePrincipal) {
    const domains = engine.config.identity.mtls?.trustDomains;
    decideOn = {
      ...engine,
      authenticators: [
        sourcePrincipalAuthenticator(
          domains ? new Set(domains.map((d) => d.name)) : undefined,
          new Set(domains?.filter((d) => d.kubernetes).map((d) => d.name)),
        ),
        ...engine.authenticators,
      ],
      // the derived engine shares the original's parts: closing stays the original's job
      close() {},
    };
  }
  return Object.freeze({
    config,
    peers: trusted(config.trustedProxies),
    forwarders: trusted([...config.trustedProxies, ...engine.config.proxy.trustedProxies]),
    mergeSlashes: engine.config.proxy.mergeSlashes,
    allowSemicolons: engine.config.proxy.allowSemicolons,
    maxHeaderBytes: engine.config.proxy.maxHeaderBytes,
    identityHeaders,
    engine: decideOn,
  });
}

/** A CIDR list the schema let through but BlockList refuses trusts nobody (fail closed). */
function trusted(cidrs: readonly string[]): TrustedProxies {
  try {
    return new RememberingTrust(cidrs);
  } catch (err) {
    publish.internalError({ where: 'forward-auth.trusted-proxies', error: err });
    return new TrustedProxies([]);
  }
}

const MEMO_LIMIT = 4096;

/**
 * Every check asks about the same few ingress addresses several times (who asks, then each
 * X-Forwarded-For hop): remember the answers instead of walking the BlockList each time.
 */
class RememberingTrust extends TrustedProxies {
  readonly #memo = new Map<string, boolean>();

  override has(address: string): boolean {
    let known = this.#memo.get(address);
    if (known === undefined) {
      known = super.has(address);
      if (this.#memo.size >= MEMO_LIMIT) this.#memo.clear();
      this.#memo.set(address, known);
    }
    return known;
  }
}
