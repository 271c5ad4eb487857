import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { type BoundRequest, requestBinding } from './binding.ts';
import { AssertionError, type AssertionErrorCode } from './errors.ts';

/** The `typ` header every Gatehouse assertion carries. */
export const ASSERTION_TYPE = 'gatehouse-assertion+jwt';
/** Default header the assertion arrives in. */
export const DEFAULT_HEADER = 'x-gatehouse-assertion';
/** Tokens longer than this (characters) are refused before any parsing. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

export type AssertionAlgorithm = 'ES256' | 'EdDSA';

export interface VerifierOptions {
  /** Gatehouse's issuer URL; `iss` must equal it exactly. Required. */
  readonly issuer: string;
  /** The route audience(s) this service accepts; `aud` must be one of them. Required. */
  readonly audience: string | readonly string[];
  /** JWKS URL. Default `${issuer}/.well-known/gatehouse/jwks.json`. Ignored when `keys` is set. */
  readonly jwksUrl?: string;
  /** Static public keys instead of fetching a JWKS (no network). */
  readonly keys?: readonly JWK[] | { readonly keys: readonly JWK[] };
  /** Header the assertion arrives in (case-insensitive). Default `x-gatehouse-assertion`. */
  readonly header?: string;
  /** Allowed clock skew in seconds for `exp`, `iat`, `nbf`. Default 5. */
  readonly clockToleranceSeconds?: number;
  /** Largest accepted `exp - iat` in seconds. Default 300. */
  readonly maxLifetimeSeconds?: number;
  /** Accepted signature algorithms. Default `['ES256', 'EdDSA']`. */
  readonly algorithms?: readonly AssertionAlgorithm[];
  /** Check `req.m` / `req.h` / `req.p` against the incoming request. Default true. */
  readonly bindRequest?: boolean;
  /** Current time in epoch seconds; for tests. Default the system clock. */
  readonly now?: () => number;
  /**
   * Accept assertions for callers Gatehouse let through without identity (public routes:
   * `kind: anonymous`, `auth_method: none`). Default false: refused with `anonymous`.
   */
  readonly allowAnonymous?: boolean;
  /** JWKS fetch timeout in milliseconds. Default 5000. */
  readonly jwksTimeoutMs?: number;
  /** Least time between two JWKS refetches for an unknown `kid`, in milliseconds. Default 30000. */
  readonly jwksCooldownMs?: number;
  /** How long a fetched JWKS is used before refetching, in milliseconds. Default 600000. */
  readonly jwksCacheMaxAgeMs?: number;
}

/** The verified caller, as Gatehouse authenticated it. */
export interface Identity {
  /** `sub`: user id or workload id (e.g. a SPIFFE ID); `anonymous` for anonymous callers. */
  readonly subject: string;
  /** `anonymous` only with `allowAnonymous`. */
  readonly kind: 'user' | 'workload' | 'anonymous';
  /** How Gatehouse authenticated the caller (`none` only with `allowAnonymous`). */
  readonly authMethod: 'session' | 'jwt' | 'mtls' | 'none';
  readonly email?: string;
  /** `groups`, or `[]` when absent. */
  readonly groups: readonly string[];
  /**
   * True when Gatehouse cut the group list to fit its size budget (`groups_truncated`): the
   * list is partial, so absence from it proves nothing.
   */
  readonly groupsTruncated: boolean;
  /** Every claim of the assertion (including `jti`, `req` and any the route asked for). */
  readonly claims: Readonly<Record<string, unknown>>;
  readonly issuer: string;
  readonly audience: string;
  /** `exp`, epoch seconds. */
  readonly expiresAt: number;
}

export interface Verifier {
  /**
   * Verify one assertion. With `bindRequest` (the default) `request` is required and must
   * be the request as this service received it. Resolves to the caller's identity, or
   * rejects with an {@link AssertionError}; never with anything else.
   */
  verify(token: string | undefined, request?: BoundRequest): Promise<Identity>;
  /** The header name the assertion is read from (lower-case). */
  readonly header: string;
}

const KINDS = new Set(['user', 'workload', 'anonymous']);
const AUTH_METHODS = new Set(['session', 'jwt', 'mtls', 'none']);
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Build a verifier. The JWKS is fetched on first use and cached (refetched after
 * `jwksCacheMaxAgeMs`, or when a token names an unknown `kid`, at most once per
 * `jwksCooldownMs`), so create one verifier per process, not one per request.
 */
export function createVerifier(o: VerifierOptions): Verifier {
  if (typeof o.issuer !== 'string' || o.issuer.length === 0) throw new TypeError('issuer is required');
  const audiences = typeof o.audience === 'string' ? [o.audience] : [...(o.audience ?? [])];
  if (audiences.length === 0 || audiences.some((a) => typeof a !== 'string' || a.length === 0)) {
    throw new TypeError('audience is required');
  }
  const algorithms = [...(o.algorithms ?? ['ES256', 'EdDSA'])];
  if (algorithms.length === 0 || algorithms.some((a) => a !== 'ES256' && a !== 'EdDSA')) {
    throw new TypeError('algorithms must be ES256 and/or EdDSA');
  }
  const tolerance = o.clockToleranceSeconds ?? 5;
  const maxLifetime = o.maxLifetimeSeconds ?? 300;
  if (!(tolerance >= 0) || !(maxLifetime > 0)) throw new TypeError('invalid clock tolerance or lifetime');
  const bind = o.bindRequest ?? true;
  const allowAnonymous = o.allowAnonymous ?? false;
  const now = o.now ?? (() => Date.now() / 1000);
  const header = (o.header ?? DEFAULT_HEADER).toLowerCase();
  const getKey = keyResolver(o);

  async function verifyToken(token: string | undefined): Promise<Identity> {
    if (token === undefined || token === '') throw new AssertionError('missing');
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
      throw new AssertionError('malformed', 'not a compact JWS');
    }
    let protectedHeader: ReturnType<typeof decodeProtectedHeader>;
    try {
      protectedHeader = decodeProtectedHeader(token);
    } catch {
      throw new AssertionError('malformed', 'unreadable header');
    }
    if (!algorithms.includes(protectedHeader.alg as AssertionAlgorithm))
      throw new AssertionError('algorithm');
    if (protectedHeader.typ !== ASSERTION_TYPE) throw new AssertionError('type');
    if (typeof protectedHeader.kid !== 'string' || protectedHeader.kid.length === 0) {
      throw new AssertionError('malformed', 'no kid');
    }

    const nowSeconds = now();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        algorithms,
        issuer: o.issuer,
        audience: audiences,
        typ: ASSERTION_TYPE,
        clockTolerance: tolerance,
        currentDate: new Date(nowSeconds * 1000),
        requiredClaims: ['exp', 'iat', 'sub', 'jti'],
      }));
    } catch (err) {
      throw translate(err);
    }
    return checkClaims(payload, nowSeconds);
  }

  function checkClaims(p: JWTPayload, nowSeconds: number): Identity {
    const exp = p.exp as number;
    const iat = p.iat as number;
    if (iat > nowSeconds + tolerance) throw new AssertionError('not-yet-valid', 'iat in the future');
    if (exp <= iat || exp - iat > maxLifetime) throw new AssertionError('lifetime');
    if (typeof p.aud !== 'string') throw new AssertionError('audience', 'aud is not a single string');
    if (typeof p.sub !== 'string' || p.sub.length === 0) throw new AssertionError('claims', 'sub');
    if (typeof p.jti !== 'string' || p.jti.length === 0) throw new AssertionError('claims', 'jti');
    if (typeof p.kind !== 'string' || !KINDS.has(p.kind)) throw new AssertionError('claims', 'kind');
    if (typeof p.auth_method !== 'string' || !AUTH_METHODS.has(p.auth_method)) {
      throw new AssertionError('claims', 'auth_method');
    }
    if ((p.kind === 'anonymous') !== (p.auth_method === 'none')) {
      throw new AssertionError('claims', 'kind and auth_method disagree');
    }
    if (p.kind === 'anonymous' && !allowAnonymous) throw new AssertionError('anonymous');
    if (p.email !== undefined && typeof p.email !== 'string') throw new AssertionError('claims', 'email');
    const groups = p.groups ?? [];
    if (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string')) {
      throw new AssertionError('claims', 'groups');
    }
    return {
      subject: p.sub,
      kind: p.kind as Identity['kind'],
      authMethod: p.auth_method as Identity['authMethod'],
      ...(typeof p.email === 'string' ? { email: p.email } : {}),
      groups: Object.freeze([...(groups as string[])]),
      groupsTruncated: p.groups_truncated === true,
      claims: Object.freeze({ ...p }),
      issuer: p.iss as string,
      audience: p.aud,
      expiresAt: exp,
    };
  }

  return {
    header,
    async verify(token, request) {
      const identity = await verifyToken(token);
      if (bind) checkBinding(identity.claims.req, request);
      return identity;
    },
  };
}

function checkBinding(claim: unknown, request: BoundRequest | undefined): void {
  if (request === undefined) throw new AssertionError('binding', 'no request to check against');
  if (typeof claim !== 'object' || claim === null) throw new AssertionError('binding', 'no req claim');
  const { m, h, p } = claim as Record<string, unknown>;
  if (typeof m !== 'string' || typeof h !== 'string' || typeof p !== 'string') {
    throw new AssertionError('binding', 'req claim incomplete');
  }
  const actual = requestBinding(request);
  if (actual === undefined) throw new AssertionError('binding', 'request host unreadable');
  if (m !== actual.m) throw new AssertionError('binding', 'method differs');
  if (h !== actual.h) throw new AssertionError('binding', 'host differs');
  if (p !== actual.p) throw new AssertionError('binding', 'path differs');
}

/** Marks failures of the key source itself (fetch, parse), as opposed to a missing key. */
class KeySourceFailure extends Error {}

function keyResolver(o: VerifierOptions): JWTVerifyGetKey {
  let source: JWTVerifyGetKey;
  if (o.keys !== undefined) {
    const keys = Array.isArray(o.keys) ? o.keys : (o.keys as { keys: readonly JWK[] }).keys;
    // Structured clone of the caller's keys; a bad set is a programming error, thrown now.
    source = createLocalJWKSet({ keys: [...keys] as JWK[] });
  } else {
    const url = new URL(o.jwksUrl ?? `${o.issuer.replace(/\/+$/, '')}/.well-known/gatehouse/jwks.json`);
    source = createRemoteJWKSet(url, {
      timeoutDuration: o.jwksTimeoutMs ?? 5_000,
      cooldownDuration: o.jwksCooldownMs ?? 30_000,
      cacheMaxAge: o.jwksCacheMaxAgeMs ?? 600_000,
    });
  }
  return async (protectedHeader, token) => {
    try {
      return await source(protectedHeader, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey) throw err;
      throw new KeySourceFailure(errorCode(err), { cause: err });
    }
  };
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'fetch failed';
}

/** A jose (or key source) failure as an AssertionError with a fixed detail. */
function translate(err: unknown): AssertionError {
  if (err instanceof AssertionError) return err;
  if (err instanceof KeySourceFailure) return new AssertionError('jwks', err.message);
  let code: AssertionErrorCode = 'malformed';
  let detail: string | undefined;
  if (err instanceof errors.JWTExpired) {
    code = err.claim === 'exp' ? 'expired' : 'lifetime';
  } else if (err instanceof errors.JWTClaimValidationFailed) {
    detail = err.claim;
    if (err.reason === 'missing') code = 'claims';
    else if (err.claim === 'iss') code = 'issuer';
    else if (err.claim === 'aud') code = 'audience';
    else if (err.claim === 'typ') code = 'type';
    else if (err.claim === 'nbf' || err.claim === 'iat') code = 'not-yet-valid';
    else code = 'claims';
  } else if (err instanceof errors.JWSSignatureVerificationFailed) {
    code = 'signature';
  } else if (err instanceof errors.JWKSNoMatchingKey) {
    code = 'unknown-key';
  } else if (err instanceof errors.JOSEAlgNotAllowed) {
    code = 'algorithm';
  } else if (err instanceof errors.JOSEError) {
    detail = err.code;
  }
  return new AssertionError(code, detail);
}
