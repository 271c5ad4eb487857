/**
 * Test support for the JWT authenticator (imported by tests only): real key pairs, a real JWKS
 * server on 127.0.0.1, issuer settings parsed by the real config schema, hand-built tokens.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { type JwtIssuerInput, JwtIssuerSchema } from '../../config/schema-jwt.ts';
import type { RequestInfo } from '../../model/index.ts';
import type { AuthnResult } from '../authenticator.ts';
import {
  createJwtAuthenticator,
  type JwtAuthenticator,
  type JwtAuthenticatorDeps,
} from './jwt-authenticator.ts';
import type { JwtIssuerSettings } from './settings.ts';
import { nodeVerifier, type SignatureVerifier } from './signature.ts';

/** The injected clock of every JWT test: a fixed moment, epoch seconds. */
export const NOW = 1_750_000_000;

export interface TestKey {
  readonly alg: string;
  readonly kid: string | undefined;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly publicPem: string;
}

/**
 * A fresh key pair; its public JWK carries `kid` (default `<alg>-1`; `null` for none), `alg`
 * (unless `jwkAlg` is false) and `use: sig`.
 */
export async function makeKey(alg: string, kidOrNull?: string | null, jwkAlg = true): Promise<TestKey> {
  const kid = kidOrNull === null ? undefined : (kidOrNull ?? `${alg.toLowerCase()}-1`);
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const base = await exportJWK(publicKey);
  const publicJwk: JWK = { ...base, use: 'sig', ...(jwkAlg && { alg }), ...(kid !== undefined && { kid }) };
  return { alg, kid, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

export function jwksOf(...keys: TestKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}

export interface SignOptions {
  readonly header?: Record<string, unknown>;
  /** Leave these registered claims out. */
  readonly omit?: readonly ('iat' | 'exp' | 'aud' | 'sub' | 'iss')[];
}

/** Claims of a valid token of `issuer` at {@link NOW}: iat now, exp in 10 minutes. */
export function claimsFor(issuer: string, extra: JWTPayload = {}): JWTPayload {
  return { iss: issuer, sub: 'workload-a', aud: 'gatehouse', iat: NOW, exp: NOW + 600, ...extra };
}

export async function sign(key: TestKey, claims: JWTPayload, options: SignOptions = {}): Promise<string> {
  const payload: JWTPayload = { ...claims };
  for (const name of options.omit ?? []) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({
      alg: key.alg,
      ...(key.kid !== undefined && { kid: key.kid }),
      ...options.header,
    } as never)
    .sign(key.privateKey);
}

/** base64url of the JSON of `value`, or of `value` itself when it is already text. */
export function b64(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** Issuer settings through the real config schema, so tests use the real defaults. */
export function issuerSettings(input: Partial<JwtIssuerInput> & { issuer: string }): JwtIssuerSettings {
  return JwtIssuerSchema.parse({ name: 'test', audiences: ['gatehouse'], ...input });
}

export function requestWith(
  authorization?: string | string[],
  extra: Record<string, unknown> = {},
): RequestInfo {
  const headers = {
    host: 'app.example.com',
    ...(authorization !== undefined && { authorization }),
    ...extra,
  };
  return {
    id: 'req-1',
    method: 'GET',
    scheme: 'https',
    host: 'app.example.com',
    port: 443,
    path: '/',
    query: '',
    headers: headers as RequestInfo['headers'],
    peerAddress: '127.0.0.1',
    clientAddress: '127.0.0.1',
    listener: 'main',
  };
}

export type ServerMode = 'ok' | 'down' | 'hang';

/**
 * A JWKS endpoint on 127.0.0.1 with a discovery document. Tests change `jwks` and `mode`
 * between requests: `down` answers 503, `hang` never answers (for time-outs).
 */
export interface JwksServer {
  readonly url: string;
  readonly jwksUrl: string;
  jwks: unknown;
  mode: ServerMode;
  /** Requests per path. */
  readonly hits: Map<string, number>;
  /** Overrides the discovery document's `issuer` (default: `url`). */
  discoveryIssuer: string | undefined;
  close(): Promise<void>;
}

export async function startJwksServer(jwks: unknown): Promise<JwksServer> {
  const state: { jwks: unknown; mode: ServerMode; discoveryIssuer: string | undefined } = {
    jwks,
    mode: 'ok',
    discoveryIssuer: undefined,
  };
  const hits = new Map<string, number>();
  let url = '';
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (state.mode === 'hang') return;
    if (state.mode === 'down') {
      res.writeHead(503).end('unavailable');
      return;
    }
    if (path === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify(state.jwks));
    } else if (path === '/.well-known/openid-configuration') {
      const doc = { issuer: state.discoveryIssuer ?? url, jwks_uri: `${url}/jwks` };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    jwksUrl: `${url}/jwks`,
    hits,
    get jwks() {
      return state.jwks;
    },
    set jwks(value: unknown) {
      state.jwks = value;
    },
    get mode() {
      return state.mode;
    },
    set mode(value: ServerMode) {
      state.mode = value;
    },
    get discoveryIssuer() {
      return state.discoveryIssuer;
    },
    set discoveryIssuer(value: string | undefined) {
      state.discoveryIssuer = value;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A JWKS server, keys for the given algorithms and an authenticator for one issuer (the server URL). */
export interface Harness {
  readonly server: JwksServer;
  /** Keys by algorithm. */
  readonly keys: Readonly<Record<string, TestKey>>;
  readonly issuer: string;
  readonly auth: JwtAuthenticator;
  /** Signature checks made so far. */
  verifications(): number;
  close(): Promise<void>;
}

export async function startHarness(
  options: {
    readonly algorithms?: readonly string[];
    readonly settings?: Partial<JwtIssuerInput>;
    readonly deps?: JwtAuthenticatorDeps;
  } = {},
): Promise<Harness> {
  const keys: Record<string, TestKey> = {};
  for (const alg of options.algorithms ?? ['RS256']) keys[alg] = await makeKey(alg);
  const server = await startJwksServer(jwksOf(...Object.values(keys)));
  let verifications = 0;
  const verifySignature: SignatureVerifier = (token, key, alg) => {
    verifications++;
    return nodeVerifier(token, key, alg);
  };
  const settings = issuerSettings({ issuer: server.url, jwksUrl: server.jwksUrl, ...options.settings });
  const auth = createJwtAuthenticator([settings], { verifySignature, ...options.deps });
  return {
    server,
    keys,
    issuer: server.url,
    auth,
    verifications: () => verifications,
    async close() {
      auth.close();
      await server.close();
    },
  };
}

/** Authenticates `token` as a bearer token at `now` (default {@link NOW}). */
export async function authn(auth: JwtAuthenticator, token: string, now = NOW): Promise<AuthnResult> {
  return auth.authenticate(requestWith(`Bearer ${token}`), now);
}

/** The deny reason of a result, or its status when it is not a denial. */
export function outcome(result: AuthnResult): string {
  return result.status === 'denied' ? result.reason : result.status;
}
