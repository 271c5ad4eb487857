import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import * as client from 'openid-client';

/**
 * The door to the OpenID provider: discovery, the authorization URL, the code and refresh
 * grants, userinfo, the end-session URL and logout-token verification, over openid-client 6
 * and jose. Third-party errors are translated here into {@link IdpError} (keeping `cause`),
 * so the rest of the room never matches on openid-client's error shapes.
 */

export type IdpErrorKind =
  /** The provider cannot be reached, timed out, or answered 5xx: try again later. */
  | 'unavailable'
  /** The provider answered with an OAuth error (invalid_grant, access_denied…). */
  | 'rejected'
  /** The answer did not validate (signature, nonce, state, issuer, audience, timestamps). */
  | 'invalid';

export class IdpError extends Error {
  readonly kind: IdpErrorKind;
  /** The OAuth `error` code when the provider sent one (safe to log; never a token). */
  readonly oauthError?: string;
  constructor(kind: IdpErrorKind, message: string, options: { cause?: unknown; oauthError?: string } = {}) {
    super(message, { cause: options.cause });
    this.name = 'IdpError';
    this.kind = kind;
    if (options.oauthError) this.oauthError = options.oauthError;
  }
}

/** Translate an openid-client / jose / fetch error. The message names no token. */
export function translate(err: unknown, what: string): IdpError {
  if (err instanceof IdpError) return err;
  if (err instanceof client.ResponseBodyError) {
    const kind = err.status >= 500 ? 'unavailable' : 'rejected';
    return new IdpError(kind, `${what}: provider answered ${err.status} ${err.error}`, {
      cause: err,
      oauthError: err.error,
    });
  }
  if (err instanceof client.AuthorizationResponseError) {
    return new IdpError('rejected', `${what}: provider returned error ${err.error}`, {
      cause: err,
      oauthError: err.error,
    });
  }
  if (err instanceof client.ClientError) {
    const code = String(err.code ?? '');
    if (code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT' || code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') {
      return new IdpError('unavailable', `${what}: ${err.message}`, { cause: err });
    }
    return new IdpError('invalid', `${what}: ${err.message} (${code || 'no code'})`, { cause: err });
  }
  if (err instanceof TypeError || (err instanceof Error && /fetch|ECONN|timeout|abort/i.test(err.message))) {
    return new IdpError('unavailable', `${what}: ${err.message}`, { cause: err });
  }
  return new IdpError('invalid', `${what}: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
}

export interface ProviderSettings {
  readonly issuer: string;
  readonly clientId: string;
  /** Resolves the client secret when needed (undefined: public client). */
  readonly clientSecret?: (() => string) | undefined;
  readonly clientAuth: 'client_secret_basic' | 'client_secret_post';
  readonly allowInsecure: boolean;
  readonly timeoutMs: number;
  readonly clockSkewSeconds: number;
  /** Least time between two discovery attempts after a failure, in seconds (default 5). */
  readonly retryAfterSeconds?: number;
}

export interface TokenSet {
  readonly idToken?: string | undefined;
  readonly accessToken: string;
  readonly refreshToken?: string | undefined;
  /** Seconds until the access token expires, when the provider said. */
  readonly expiresIn?: number | undefined;
  /** Validated ID token claims, when an ID token came back. */
  readonly claims?: Readonly<Record<string, unknown>> | undefined;
}

export interface LogoutClaims {
  readonly sub?: string;
  readonly sid?: string;
  readonly jti: string;
  readonly exp: number;
}

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** One configured provider. Discovery is lazy and retried, so Gatehouse starts while the provider is down. */
export class ProviderClient {
  readonly #s: ProviderSettings;
  #config?: client.Configuration;
  #pending?: Promise<client.Configuration>;
  #failedAt = Number.NEGATIVE_INFINITY;
  #lastError?: IdpError;
  #jwks?: ReturnType<typeof createRemoteJWKSet>;

  constructor(settings: ProviderSettings) {
    this.#s = settings;
  }

  /** The discovered configuration, or undefined before discovery succeeded. */
  get ready(): client.Configuration | undefined {
    return this.#config;
  }

  /** Discover (once; again after a failure, at most every retryAfterSeconds). */
  configuration(nowMs = Date.now()): Promise<client.Configuration> {
    if (this.#config) return Promise.resolve(this.#config);
    if (this.#pending) return this.#pending;
    if (this.#lastError && nowMs - this.#failedAt < (this.#s.retryAfterSeconds ?? 5) * 1000) {
      return Promise.reject(this.#lastError);
    }
    const s = this.#s;
    const secret = s.clientSecret?.();
    const auth =
      secret === undefined
        ? client.None()
        : s.clientAuth === 'client_secret_post'
          ? client.ClientSecretPost(secret)
          : client.ClientSecretBasic(secret);
    const metadata: Partial<client.ClientMetadata> = {
      [client.clockTolerance]: s.clockSkewSeconds,
      ...(secret !== undefined ? { client_secret: secret } : {}),
    };
    this.#pending = client
      .discovery(new URL(s.issuer), s.clientId, metadata, auth, {
        timeout: Math.ceil(s.timeoutMs / 1000),
        // ID tokens from the token endpoint are signature-checked too (openid-client skips
        // that by default, trusting TLS): a forged or re-signed ID token is refused.
        execute: [
          ...(s.allowInsecure ? [client.allowInsecureRequests] : []),
          client.enableNonRepudiationChecks,
        ],
      })
      .then(
        (config) => {
          config.timeout = Math.ceil(s.timeoutMs / 1000);
          this.#config = config;
          this.#pending = undefined;
          return config;
        },
        (err: unknown) => {
          this.#pending = undefined;
          this.#failedAt = nowMs;
          this.#lastError = translate(err, 'discovery');
          throw this.#lastError;
        },
      );
    return this.#pending;
  }

  /** The issuer exactly as the provider states it (`iss` of its tokens). */
  issuer(config: client.Configuration): string {
    return config.serverMetadata().issuer;
  }

  authorizationUrl(config: client.Configuration, params: Record<string, string>): URL {
    return client.buildAuthorizationUrl(config, params);
  }

  /** Validate the authorization response at `currentUrl` and redeem the code. */
  async exchangeCode(
    config: client.Configuration,
    currentUrl: URL,
    checks: { pkceCodeVerifier: string; expectedState: string; expectedNonce: string; maxAge?: number },
  ): Promise<TokenSet> {
    try {
      const r = await client.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: checks.pkceCodeVerifier,
        expectedState: checks.expectedState,
        expectedNonce: checks.expectedNonce,
        ...(checks.maxAge !== undefined ? { maxAge: checks.maxAge } : {}),
      });
      return tokenSet(r);
    } catch (err) {
      throw translate(err, 'code exchange');
    }
  }

  async refresh(config: client.Configuration, refreshToken: string): Promise<TokenSet> {
    try {
      return tokenSet(await client.refreshTokenGrant(config, refreshToken));
    } catch (err) {
      throw translate(err, 'refresh');
    }
  }

  async userinfo(
    config: client.Configuration,
    accessToken: string,
    subject: string,
  ): Promise<Record<string, unknown>> {
    try {
      return { ...(await client.fetchUserInfo(config, accessToken, subject)) };
    } catch (err) {
      throw translate(err, 'userinfo');
    }
  }

  /** The provider's end-session URL (RP-initiated logout), or undefined when it has none. */
  endSessionUrl(config: client.Configuration, params: Record<string, string>): URL | undefined {
    if (!config.serverMetadata().end_session_endpoint) return undefined;
    return client.buildEndSessionUrl(config, params);
  }

  /**
   * Verify a back-channel logout token (OpenID Connect Back-Channel Logout 1.0, 2.6): the
   * provider's signature and algorithm, iss, aud, iat/exp, the logout event, sub or sid, no
   * nonce. Replay (jti) is the caller's check.
   */
  async verifyLogoutToken(
    config: client.Configuration,
    token: string,
    nowSeconds: number,
  ): Promise<LogoutClaims> {
    const meta = config.serverMetadata();
    if (!meta.jwks_uri) throw new IdpError('invalid', 'logout token: provider has no jwks_uri');
    this.#jwks ??= createRemoteJWKSet(new URL(meta.jwks_uri), { timeoutDuration: this.#s.timeoutMs });
    const algorithms = (meta.id_token_signing_alg_values_supported ?? ['RS256']).filter(
      (a) => a !== 'none' && !a.startsWith('HS'),
    );
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#jwks, {
        issuer: meta.issuer,
        audience: this.#s.clientId,
        algorithms,
        clockTolerance: this.#s.clockSkewSeconds,
        currentDate: new Date(nowSeconds * 1000),
        maxTokenAge: 600 + this.#s.clockSkewSeconds,
        requiredClaims: ['iat', 'jti'],
      }));
    } catch (err) {
      if (err instanceof Error && /fetch|timed out|ECONN/i.test(`${err.name} ${err.message}`)) {
        throw new IdpError('unavailable', `logout token keys: ${err.message}`, { cause: err });
      }
      throw new IdpError('invalid', `logout token: ${err instanceof Error ? err.message : 'invalid'}`, {
        cause: err,
      });
    }
    const events = payload.events as Record<string, unknown> | undefined;
    if (!events || typeof events !== 'object' || typeof events[BACKCHANNEL_EVENT] !== 'object') {
      throw new IdpError('invalid', 'logout token: no back-channel logout event');
    }
    if ('nonce' in payload) throw new IdpError('invalid', 'logout token: carries a nonce');
    const sub = typeof payload.sub === 'string' && payload.sub ? payload.sub : undefined;
    const sid = typeof payload.sid === 'string' && payload.sid ? payload.sid : undefined;
    if (!sub && !sid) throw new IdpError('invalid', 'logout token: neither sub nor sid');
    if (typeof payload.jti !== 'string' || !payload.jti)
      throw new IdpError('invalid', 'logout token: no jti');
    const exp = typeof payload.exp === 'number' ? payload.exp : (payload.iat ?? nowSeconds) + 600;
    return { ...(sub ? { sub } : {}), ...(sid ? { sid } : {}), jti: payload.jti, exp };
  }
}

function tokenSet(r: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers): TokenSet {
  const claims = r.claims();
  return {
    idToken: r.id_token,
    accessToken: r.access_token,
    refreshToken: r.refresh_token,
    expiresIn: r.expiresIn(),
    claims: claims ? { ...claims } : undefined,
  };
}
