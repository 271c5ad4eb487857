import { hash, randomUUID, sign } from 'node:crypto';
import type { Principal } from '../model/index.ts';
import { type ClaimFragment, claimFragment } from './claims.ts';
import type { KeyRing } from './key-ring.ts';
import type { SigningKey } from './signing-key.ts';

/** A route's assertion settings, resolved at engine build. */
export interface RouteAssertion {
  readonly enabled: boolean;
  readonly audience: string;
  readonly claims: readonly string[];
  readonly maxBytes: number;
  /** Cache key of the claim list (routes asking for the same claims share fragments). */
  readonly claimsKey: string;
  readonly plainHeaders?: { readonly user?: string; readonly email?: string; readonly groups?: string };
}

export interface BoundRequest {
  readonly method: string;
  readonly host: string;
  /** The normalised path, without the query. */
  readonly path: string;
  /**
   * A route in audit mode let a request through that its policy would have refused: the
   * assertion says so (`"audit": "would-deny"` or `"would-challenge"`), so an upstream can
   * tell it from an allowed request.
   */
  readonly audit?: 'would-deny' | 'would-challenge';
}

/** Called when a size budget forced trimming (no user id: route and counts only). */
export type TrimListener = (e: {
  audience: string;
  droppedGroups: number;
  droppedClaims: readonly string[];
}) => void;

const ANONYMOUS = Object.freeze({}) as object;
/** Reuse an assertion for an identical request while at least half its lifetime remains. */
const REUSE_FRACTION = 0.5;
const PER_PRINCIPAL_CACHE = 64;
/** Worst-case JSON length of the per-request members (iss/aud measured separately). */
const DYNAMIC_OVERHEAD =
  '{"iat":1000000000000,"exp":1000000000000,"jti":"00000000-0000-0000-0000-000000000000","req":{"m":"","h":"","p":"0000000000000000000000000000000000000000000"},"audit":"would-challenge","iss":"","aud":""}'
    .length + 16;
/** Host length assumed when sizing the cached claim part; a longer host re-trims exactly. */
const TYPICAL_HOST = 64;

/**
 * Signs assertions. Cost is kept off the hot path: the protected header is encoded once per
 * key, the principal's claims are serialised once per (principal, claim list), and an
 * assertion for an identical request (same principal, route audience, method, host, path) is
 * reused while more than half of its lifetime remains. What is left per request is one
 * SHA-256 of the path, one UUID, one base64url encoding and one signature.
 */
export class AssertionSigner {
  readonly #ring: KeyRing;
  #issuer: string;
  #ttl: number;
  readonly #fragments = new WeakMap<object, Map<string, ClaimFragment>>();
  readonly #tokens = new WeakMap<object, Map<string, { token: string; reuseUntil: number }>>();
  readonly #onTrim?: TrimListener;

  constructor(ring: KeyRing, options: { issuer: string; ttlSeconds: number; onTrim?: TrimListener }) {
    this.#ring = ring;
    this.#issuer = options.issuer;
    this.#ttl = options.ttlSeconds;
    if (options.onTrim) this.#onTrim = options.onTrim;
  }

  /** Apply new issuer / lifetime after a reload. */
  configure(issuer: string, ttlSeconds: number): void {
    this.#issuer = issuer;
    this.#ttl = ttlSeconds;
  }

  get issuer(): string {
    return this.#issuer;
  }

  /** Sign (or reuse) the assertion for one allowed request. */
  sign(
    principal: Principal | undefined,
    route: RouteAssertion,
    request: BoundRequest,
    nowSeconds: number,
  ): string {
    const owner = principal ?? ANONYMOUS;
    const cacheKey = `${route.audience}\u0000${route.claimsKey}\u0000${request.method}\u0000${request.host}\u0000${request.path}\u0000${request.audit ?? ''}`;
    let tokens = this.#tokens.get(owner);
    const hit = tokens?.get(cacheKey);
    if (hit && hit.reuseUntil > nowSeconds) return hit.token;

    const key = this.#ring.signingKey(nowSeconds);
    const fragment = this.#fragment(owner, principal, route);
    const iat = Math.floor(nowSeconds);
    const exp = iat + this.#ttl;
    const pathHash = hash('sha256', request.path, 'base64url');
    const audit = request.audit ? `"audit":"${request.audit}",` : '';
    const head = `{"iss":${JSON.stringify(this.#issuer)},"aud":${JSON.stringify(route.audience)},"iat":${iat},"exp":${exp},"jti":"${randomUUID()}","req":{"m":${JSON.stringify(request.method)},"h":${JSON.stringify(request.host)},"p":"${pathHash}"},${audit}`;
    let token = signWith(key, `${head}${fragment.json}}`);
    if (token.length > route.maxBytes && request.host.length > TYPICAL_HOST) {
      // an unusually long host: re-trim for this request with the exact budget
      const exact = Math.floor(((route.maxBytes - 160) * 3) / 4) - head.length - 1;
      token = signWith(key, `${head}${claimFragment(principal, route.claims, Math.max(exact, 64)).json}}`);
    }

    if (!tokens) {
      tokens = new Map();
      this.#tokens.set(owner, tokens);
    } else if (tokens.size >= PER_PRINCIPAL_CACHE) {
      tokens.delete(tokens.keys().next().value as string);
    }
    tokens.set(cacheKey, { token, reuseUntil: iat + this.#ttl * REUSE_FRACTION });
    return token;
  }

  #fragment(owner: object, principal: Principal | undefined, route: RouteAssertion): ClaimFragment {
    let byClaims = this.#fragments.get(owner);
    const k = `${route.claimsKey}\u0000${route.maxBytes}`;
    let f = byClaims?.get(k);
    if (f) return f;
    // base64url inflates by 4/3; the header and a P-256/Ed25519 signature take ~150 bytes
    const budget =
      Math.floor(((route.maxBytes - 160) * 3) / 4) -
      DYNAMIC_OVERHEAD -
      TYPICAL_HOST -
      this.#issuer.length -
      route.audience.length;
    f = claimFragment(principal, route.claims, Math.max(budget, 64));
    if ((f.droppedGroups > 0 || f.droppedClaims.length > 0) && this.#onTrim) {
      this.#onTrim({
        audience: route.audience,
        droppedGroups: f.droppedGroups,
        droppedClaims: f.droppedClaims,
      });
    }
    if (!byClaims) {
      byClaims = new Map();
      this.#fragments.set(owner, byClaims);
    }
    byClaims.set(k, f);
    return f;
  }
}

function signWith(key: SigningKey, payload: string): string {
  const input = `${key.headerB64}.${Buffer.from(payload).toString('base64url')}`;
  // a bare KeyObject is the fast path of node:crypto (an options object costs ~2x for ECDSA):
  // sign DER, then convert to the fixed-size r || s form JWS wants
  const signature =
    key.alg === 'EdDSA'
      ? sign(null, Buffer.from(input), key.privateKey)
      : derToP1363(sign('sha256', Buffer.from(input), key.privateKey), 32);
  return `${input}.${signature.toString('base64url')}`;
}

/** An ECDSA signature from DER (SEQUENCE of two INTEGERs) to JWS form: r || s, `size` bytes each. */
export function derToP1363(der: Buffer, size: number): Buffer {
  let i = 2;
  if (der[1]! & 0x80) i += der[1]! & 0x7f;
  const out = Buffer.alloc(size * 2);
  for (let n = 0; n < 2; n++) {
    const len = der[i + 1]!;
    let v = der.subarray(i + 2, i + 2 + len);
    while (v.length > size && v[0] === 0) v = v.subarray(1);
    v.copy(out, n * size + (size - v.length));
    i += 2 + len;
  }
  return out;
}

/** Plain claim headers for a route ([name, value, …]); values that cannot be a header value are left out. */
export function plainClaimHeaders(principal: Principal | undefined, route: RouteAssertion): string[] {
  const h = route.plainHeaders;
  if (!h || !principal) return [];
  const out: string[] = [];
  const add = (name: string | undefined, value: string | undefined) => {
    if (name && value !== undefined && value !== '' && /^[\x20-\x7e]*$/.test(value)) out.push(name, value);
  };
  add(h.user, principal.subject);
  add(h.email, principal.email);
  add(h.groups, principal.groups.filter((g) => !g.includes(',')).join(','));
  return out;
}
