import type { IncomingMessage, ServerResponse } from 'node:http';
import { AssertionSigner, KeyRing, plainClaimHeaders } from '../assertion/index.ts';
import type { Config } from '../config/index.ts';
import type { CompiledRoute, Engine } from '../decision/index.ts';
import type { Decision, RequestInfo } from '../model/index.ts';
import { publish } from '../observe/index.ts';

export const JWKS_PATH = '/.well-known/gatehouse/jwks.json';
const DEFAULT_ISSUER = 'http://gatehouse.invalid';

/**
 * Identity propagation: the key ring, the signer and the JWKS document. Outlives engines so
 * key rotation state survives reloads.
 */
export class Propagation {
  readonly ring = new KeyRing();
  readonly signer: AssertionSigner;
  #header = 'x-gatehouse-assertion';

  constructor() {
    this.signer = new AssertionSigner(this.ring, {
      issuer: DEFAULT_ISSUER,
      ttlSeconds: 60,
      onTrim: (e) => publish.assertionTrimmed(e),
    });
  }

  /** Load keys for a config; returns problems and a commit to call once the config is accepted. */
  prepare(config: Config, nowSeconds: number) {
    const prepared = this.ring.prepare(config.assertion, nowSeconds);
    return {
      problems: prepared.problems,
      commit: () => {
        prepared.commit();
        this.signer.configure(config.assertion.issuer ?? DEFAULT_ISSUER, config.assertion.ttlSeconds);
        this.#header = config.assertion.header.toLowerCase();
      },
    };
  }

  /** Headers for an allowed request: the assertion and the route's plain claim headers. */
  headers(decision: Decision, route: CompiledRoute, info: RequestInfo, nowSeconds: number): string[] {
    const a = route.assertion;
    if (!a.enabled) return plainClaimHeaders(decision.principal, a);
    const request =
      decision.outcome === 'allow'
        ? { method: info.method, host: info.host, path: info.path }
        : {
            method: info.method,
            host: info.host,
            path: info.path,
            // audit mode let a refused request through: the upstream can tell
            audit: decision.outcome === 'challenge' ? ('would-challenge' as const) : ('would-deny' as const),
          };
    const token = this.signer.sign(decision.principal, a, request, nowSeconds);
    const plain = plainClaimHeaders(decision.principal, a);
    return plain.length > 0 ? [this.#header, token, ...plain] : [this.#header, token];
  }

  /** The JWKS body and its cache lifetime. */
  jwks(nowSeconds: number): { body: string; maxAge: number } {
    return { body: JSON.stringify(this.ring.jwks(nowSeconds)), maxAge: this.ring.jwksMaxAgeSeconds };
  }

  /** Answer a JWKS request (reserved path on every host, and the admin port). */
  serveJwks(req: IncomingMessage, res: ServerResponse, nowSeconds: number): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-length': 0 });
      res.end();
      return;
    }
    const { body, maxAge } = this.jwks(nowSeconds);
    res.writeHead(200, {
      'content-type': 'application/jwk-set+json',
      'content-length': Buffer.byteLength(body),
      'cache-control': maxAge > 0 ? `public, max-age=${maxAge}` : 'no-cache',
      'access-control-allow-origin': '*',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

export type { Engine };
