import { hash } from 'node:crypto';
import type { RequestInfo } from '../../model/index.ts';
import { MemoryReplayStore, type ReplayStore } from '../../state/index.ts';
import { type Authenticator, type AuthnResult, NOT_MINE } from '../authenticator.ts';
import { readBearer } from './bearer.ts';
import { checkClaims } from './claims.ts';
import { decodeCompactJws } from './compact.ts';
import { type Denied, deny } from './deny.ts';
import { checkHeader } from './header-checks.ts';
import { createIssuerRuntime, type IssuerRuntime, issuerFingerprint } from './issuer-runtime.ts';
import { type KeySet, keyFitsAlgorithm, type VerificationKey } from './key-set.ts';
import { buildPrincipal } from './principal.ts';
import type { JwtIssuerSettings } from './settings.ts';
import { nodeVerifier, type SignatureVerifier } from './signature.ts';
import { LruCache } from './token-cache.ts';

/**
 * The bearer-JWT authenticator: the one authenticator that reads `Authorization: Bearer`.
 * A cold token goes: strict decode -> header rules -> issuer by exact `iss` -> issuer's
 * algorithm list -> key by kid (refetching keys on an unknown kid, within the cooldown) ->
 * signature (jose, exactly one algorithm and one key) -> claims -> principal -> replay.
 * A verified token is cached under its SHA-256, so a warm request costs one hash and one
 * map lookup and is answered synchronously.
 *
 * This file is the pipeline in one place (about 300 lines); each step lives in its own module.
 */

export interface JwtAuthenticatorDeps {
  /** Fetch for JWKS and discovery documents (default: the global `fetch`). */
  readonly fetch?: typeof fetch;
  /**
   * Where `jti`s of replay-protected issuers are remembered. Default: the previous
   * authenticator's store when one is given (so a reload cannot reopen replays), else a new
   * {@link MemoryReplayStore}. Use a shared store when several replicas serve traffic.
   */
  readonly replayStore?: ReplayStore;
  /** Verified-token cache entries (default 10000; 0 disables the cache). */
  readonly tokenCacheSize?: number;
  /** Signature check (default: jose `compactVerify`). Injected by tests and benchmarks to count calls. */
  readonly verifySignature?: SignatureVerifier;
  /** How often a `jwksFile` is checked for changes, in seconds (default 5). */
  readonly fileCheckSeconds?: number;
}

/** Counters for tests, benchmarks and metrics. */
export interface JwtAuthenticatorStats {
  readonly cacheHits: number;
  readonly verifications: number;
  readonly cacheSize: number;
}

interface CacheEntry {
  readonly result: AuthnResult;
  /** `exp + clockSkewSeconds`: from then on the token is expired. */
  readonly validUntil: number;
  readonly issuer: IssuerRuntime;
  /** Thumbprint of the key that verified the token. */
  readonly keyId: string;
  readonly replayProtected: boolean;
}

/** Tokens without a `kid` are tried against at most this many fitting keys. */
const MAX_CANDIDATE_KEYS = 4;
const DEFAULT_MAX_TOKEN_BYTES = 8192;

/**
 * Builds the JWT authenticator for a config snapshot.
 *
 * On reload pass the retiring authenticator as `previous`: issuers whose settings are
 * unchanged keep their cached keys (no refetch storm) and their verified tokens, as long as
 * the key that verified a token is still in the issuer's key set; entries of removed or changed
 * issuers are dropped. The replay store is carried over too. Call `previous.close()` afterwards.
 */
export function createJwtAuthenticator(
  issuers: readonly JwtIssuerSettings[],
  deps: JwtAuthenticatorDeps = {},
  previous?: JwtAuthenticator,
): JwtAuthenticator {
  return new JwtAuthenticator(issuers, deps, previous);
}

export class JwtAuthenticator implements Authenticator {
  readonly name = 'jwt';
  readonly #byIssuer = new Map<string, IssuerRuntime>();
  readonly #byName = new Map<string, IssuerRuntime>();
  readonly #cache: LruCache<CacheEntry>;
  readonly #replayStore: ReplayStore;
  readonly #verify: SignatureVerifier;
  readonly #maxTokenBytes: number;
  readonly #unsubscribe: (() => void)[] = [];
  #cacheHits = 0;
  #verifications = 0;

  constructor(
    issuers: readonly JwtIssuerSettings[],
    deps: JwtAuthenticatorDeps = {},
    previous?: JwtAuthenticator,
  ) {
    this.#cache = new LruCache(deps.tokenCacheSize ?? 10_000);
    this.#replayStore = deps.replayStore ?? (previous ? previous.#replayStore : new MemoryReplayStore());
    this.#verify = deps.verifySignature ?? nodeVerifier;
    const options = { fetch: deps.fetch ?? globalThis.fetch, fileCheckSeconds: deps.fileCheckSeconds ?? 5 };
    const carried = new Map<IssuerRuntime, IssuerRuntime>();
    for (const settings of issuers) {
      const before = previous ? previous.#byName.get(settings.name) : undefined;
      const unchanged = before !== undefined && before.fingerprint === issuerFingerprint(settings);
      const runtime = createIssuerRuntime(settings, options, unchanged ? before.keys : undefined);
      if (unchanged) carried.set(before, runtime);
      this.#byIssuer.set(settings.issuer, runtime);
      this.#byName.set(settings.name, runtime);
      this.#unsubscribe.push(runtime.keys.onChange((set) => this.#dropEntriesOfRemovedKeys(runtime, set)));
    }
    this.#maxTokenBytes = Math.max(DEFAULT_MAX_TOKEN_BYTES, ...issuers.map((i) => i.maxTokenBytes));
    if (previous) this.#carryCache(previous, carried);
  }

  /** Verified-token cache and verification counters. */
  get stats(): JwtAuthenticatorStats {
    return { cacheHits: this.#cacheHits, verifications: this.#verifications, cacheSize: this.#cache.size };
  }

  /**
   * Authenticates a request by its bearer token at `nowSeconds` (the injected clock, epoch
   * seconds). Synchronous for a cached token; never throws or rejects.
   */
  authenticate(request: RequestInfo, nowSeconds: number): AuthnResult | Promise<AuthnResult> {
    try {
      const bearer = readBearer(request.headers);
      if (bearer.kind === 'none') return NOT_MINE;
      if (bearer.kind === 'ambiguous') return deny('credential-ambiguous', 'several Authorization headers');
      if (bearer.kind === 'malformed') return deny('token-malformed', bearer.detail);
      const token = bearer.token;
      if (token.length > this.#maxTokenBytes) return deny('token-too-large', `${token.length} bytes`);
      // the digest's 32 bytes as a one-byte string ('binary' is latin1): a Map key, never shown, no base64 per request
      const cacheKey = hash('sha256', token, 'binary');
      const hit = this.#cache.get(cacheKey);
      if (hit) return this.#answerFromCache(token, cacheKey, hit, nowSeconds);
      return this.#verifyToken(token, cacheKey, nowSeconds).catch((err: unknown) => internalError(err));
    } catch (err) {
      return internalError(err);
    }
  }

  /** Stops listening to key changes. The key sources hold no timers or sockets. */
  close(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  #answerFromCache(
    token: string,
    cacheKey: string,
    entry: CacheEntry,
    nowSeconds: number,
  ): AuthnResult | Promise<AuthnResult> {
    if (nowSeconds >= entry.validUntil) {
      this.#cache.delete(cacheKey);
      return deny('token-expired');
    }
    // A replay-protected token verified once is, by definition, used up.
    if (entry.replayProtected) return deny('token-replayed', 'token seen before (cache)');
    const reloading = entry.issuer.keys.touch(nowSeconds);
    if (reloading) {
      // a key file due for its check: answer once it is read. If the token's key left the
      // file, its entry was dropped meanwhile and the token is verified again (and refused).
      return reloading
        .then(() =>
          this.#cache.get(cacheKey) === entry
            ? this.#hit(entry)
            : this.#verifyToken(token, cacheKey, nowSeconds),
        )
        .catch((err: unknown) => internalError(err));
    }
    return this.#hit(entry);
  }

  #hit(entry: CacheEntry): AuthnResult {
    this.#cacheHits++;
    return entry.result;
  }

  async #verifyToken(token: string, cacheKey: string, nowSeconds: number): Promise<AuthnResult> {
    const decoded = decodeCompactJws(token);
    if (!decoded.ok) return deny('token-malformed', decoded.detail);
    const { header, payload, signature } = decoded.jws;
    const checked = checkHeader(header);
    if (!checked.ok) return checked.denied;
    const { alg, kid } = checked;

    const iss = payload.iss;
    const issuer = typeof iss === 'string' ? this.#byIssuer.get(iss) : undefined;
    if (!issuer)
      return deny('token-issuer-unknown', typeof iss === 'string' ? 'iss is not configured' : 'no iss');
    const { settings } = issuer;
    if (token.length > settings.maxTokenBytes) {
      return deny(
        'token-too-large',
        `${token.length} bytes > ${settings.maxTokenBytes} for ${settings.name}`,
      );
    }
    if (!issuer.algorithms.has(alg))
      return deny('token-alg-not-allowed', `${alg} not allowed for ${settings.name}`);
    // An unsigned `header.payload.` token has the right shape; what it lacks is a signature.
    if (signature === '') return deny('token-signature-invalid', 'token has no signature');

    const found = await this.#findKeys(issuer, alg, kid, nowSeconds);
    if (!Array.isArray(found)) return found as Denied;
    const key = await this.#verifyWithAny(token, found, alg);
    if (!key) return deny('token-signature-invalid');
    if (typeof key === 'string') return deny('token-signature-invalid', key);

    const claimsDenied = checkClaims(payload, issuer, nowSeconds);
    if (claimsDenied) return claimsDenied;
    const built = buildPrincipal(payload as Record<string, unknown>, settings);
    if (!built.ok) return built.denied;
    const validUntil = (payload.exp as number) + settings.clockSkewSeconds;

    if (settings.replay.enabled) {
      const replayDenied = await this.#checkReplay(settings, payload.jti, validUntil, nowSeconds);
      if (replayDenied) return replayDenied;
    }
    const result: AuthnResult = Object.freeze({ status: 'authenticated', principal: built.principal });
    this.#cache.set(cacheKey, {
      result,
      validUntil,
      issuer,
      keyId: key.id,
      replayProtected: settings.replay.enabled,
    });
    return result;
  }

  /**
   * The keys a token may be verified with. A `kid` selects keys with that kid; when none has
   * it the issuer's keys are fetched again (rate-limited by the cooldown) and, failing that,
   * keys without a kid (PEM files, kid-less JWKS entries) are tried. Without a `kid` every key
   * that fits the algorithm is a candidate.
   */
  async #findKeys(
    issuer: IssuerRuntime,
    alg: string,
    kid: string | undefined,
    nowSeconds: number,
  ): Promise<VerificationKey[] | Denied> {
    let set = await issuer.keys.keys(nowSeconds);
    if (!set) return deny('jwks-unavailable', keysProblem(issuer));
    let candidates = selectKeys(set, alg, kid);
    if (!candidates.exact) {
      set = await issuer.keys.refresh(nowSeconds);
      if (!set) return deny('jwks-unavailable', keysProblem(issuer));
      candidates = selectKeys(set, alg, kid);
    }
    if (candidates.keys.length === 0) {
      return deny('token-key-not-found', kid === undefined ? `no ${alg} key` : `no ${alg} key for the kid`);
    }
    return candidates.keys;
  }

  /** The key that verifies the signature, undefined if none does, or a detail string on error. */
  async #verifyWithAny(
    token: string,
    keys: VerificationKey[],
    alg: string,
  ): Promise<VerificationKey | string | undefined> {
    for (const key of keys) {
      this.#verifications++;
      try {
        if (await this.#verify(token, key.key, alg)) return key;
      } catch (err) {
        return `verification failed: ${errorName(err)}`;
      }
    }
    return undefined;
  }

  async #checkReplay(
    settings: JwtIssuerSettings,
    jti: unknown,
    validUntil: number,
    nowSeconds: number,
  ): Promise<Denied | undefined> {
    if (typeof jti !== 'string' || jti === '') return deny('token-jti-missing');
    // Hashed: a fixed-size key whatever the jti, scoped by issuer, fit for a shared store.
    const replayKey = hash('sha256', `${settings.issuer}\n${jti}`, 'base64url');
    let firstUse: boolean;
    try {
      firstUse = await this.#replayStore.checkAndRemember(replayKey, validUntil, nowSeconds);
    } catch (err) {
      return deny('replay-store-unavailable', errorName(err));
    }
    return firstUse ? undefined : deny('token-replayed');
  }

  #dropEntriesOfRemovedKeys(issuer: IssuerRuntime, set: KeySet): void {
    this.#cache.deleteWhere((entry) => entry.issuer === issuer && !set.ids.has(entry.keyId));
  }

  #carryCache(previous: JwtAuthenticator, carried: ReadonlyMap<IssuerRuntime, IssuerRuntime>): void {
    for (const [cacheKey, entry] of previous.#cache.entries()) {
      const issuer = carried.get(entry.issuer);
      if (issuer?.keys.current?.ids.has(entry.keyId)) this.#cache.set(cacheKey, { ...entry, issuer });
    }
  }
}

function selectKeys(
  set: KeySet,
  alg: string,
  kid: string | undefined,
): { readonly exact: boolean; readonly keys: VerificationKey[] } {
  if (kid === undefined) {
    const keys = set.keys.filter((k) => keyFitsAlgorithm(k, alg)).slice(0, MAX_CANDIDATE_KEYS);
    return { exact: keys.length > 0, keys };
  }
  const byKid = set.keys.filter((k) => k.kid === kid);
  if (byKid.length > 0) return { exact: true, keys: byKid.filter((k) => keyFitsAlgorithm(k, alg)) };
  const keys = set.keys
    .filter((k) => k.kid === undefined && keyFitsAlgorithm(k, alg))
    .slice(0, MAX_CANDIDATE_KEYS);
  return { exact: false, keys };
}

function keysProblem(issuer: IssuerRuntime): string {
  const err = issuer.keys.lastError;
  return err === undefined
    ? `no usable keys for ${issuer.settings.name}`
    : `${issuer.settings.name}: ${errorName(err)}`;
}

/** A short description of an error for the audit detail: name, code and a clipped message. */
function errorName(err: unknown): string {
  if (!(err instanceof Error)) return 'unknown error';
  const code = (err as { code?: unknown }).code;
  const text = `${err.name}${typeof code === 'string' ? ` ${code}` : ''}: ${err.message}`;
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function internalError(err: unknown): Denied {
  return deny('internal-error', `jwt authenticator: ${errorName(err)}`);
}
