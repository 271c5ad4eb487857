import { createHash, createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/**
 * Test fixtures: key pairs, a JWKS served over real HTTP on 127.0.0.1, and assertions signed
 * with jose exactly as the Gatehouse signer's contract says (header alg / kid / typ, claims
 * iss sub aud iat exp jti kind auth_method email groups req).
 */

export const TYP = 'gatehouse-assertion+jwt';
/** A fixed "now" in epoch seconds; verifiers under test get `now: () => NOW`. */
export const NOW = 1_900_000_000;

export interface SigningKey {
  readonly alg: 'ES256' | 'EdDSA';
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function signingKey(alg: 'ES256' | 'EdDSA', kid: string): Promise<SigningKey> {
  const pair =
    alg === 'ES256'
      ? await generateKeyPair('ES256', { extractable: true })
      : await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(pair.publicKey);
  return { alg, kid, privateKey: pair.privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

export function sha256url(path: string): string {
  return createHash('sha256').update(path).digest('base64url');
}

export interface AssertionInput {
  readonly iss: string;
  readonly aud?: string;
  readonly method?: string;
  readonly host?: string;
  readonly path?: string;
  /** Claims to add or replace; `undefined` values remove a claim. */
  readonly claims?: Record<string, unknown>;
  /** Header fields to add or replace. */
  readonly header?: Record<string, unknown>;
  readonly iat?: number;
  readonly exp?: number;
}

/** A signed assertion for GET upstream.test/orders/42 by default, valid for 60 s from NOW. */
export async function assertion(key: SigningKey, input: AssertionInput): Promise<string> {
  const iat = input.iat ?? NOW;
  const payload: Record<string, unknown> = {
    iss: input.iss,
    sub: 'user-123',
    aud: input.aud ?? 'orders',
    iat,
    exp: input.exp ?? iat + 60,
    jti: randomUUID(),
    kind: 'user',
    auth_method: 'session',
    email: 'alice@example.com',
    groups: ['eng', 'oncall'],
    tenant: 'acme',
    req: {
      m: input.method ?? 'GET',
      h: input.host ?? 'upstream.test',
      p: sha256url(input.path ?? '/orders/42'),
    },
  };
  for (const [k, v] of Object.entries(input.claims ?? {})) {
    if (v === undefined) delete payload[k];
    else payload[k] = v;
  }
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: TYP, ...input.header })
    .sign(key.privateKey);
}

function b64(json: unknown): string {
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

/** An unsigned `alg: none` token with otherwise valid contents. */
export function unsignedToken(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  return `${b64({ alg: 'none', typ: TYP, ...header })}.${b64(payload)}.`;
}

/** The classic key-confusion forgery: HS256 keyed with the public key's bytes. */
export function hmacWithPublicKey(
  secret: string,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): string {
  const input = `${b64({ alg: 'HS256', typ: TYP, ...header })}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export interface JwksServer {
  readonly issuer: string;
  readonly port: number;
  /** How many times the JWKS was fetched. */
  fetches(): number;
  setKeys(keys: JWK[]): void;
  close(): Promise<void>;
}

/** Gatehouse's JWKS endpoint: `<issuer>/.well-known/gatehouse/jwks.json` on 127.0.0.1. */
export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  let current = keys;
  let count = 0;
  const server = http.createServer((req, res) => {
    if (req.url !== '/.well-known/gatehouse/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    count++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: current }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    issuer: `http://127.0.0.1:${port}`,
    port,
    fetches: () => count,
    setKeys: (k) => {
      current = k;
    },
    close: () => closeServer(server),
  };
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
}

export async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * One request with node:http, choosing the Host header and the raw header list (so a header
 * can be sent twice).
 */
export function send(
  port: number,
  o: { method?: string; path?: string; host?: string; headers?: [string, string][] },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: [string, string][] = [['host', o.host ?? 'upstream.test'], ...(o.headers ?? [])];
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: o.method ?? 'GET',
        path: o.path ?? '/orders/42',
        setHost: false,
        headers: headers.flat(),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
