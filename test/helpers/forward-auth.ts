/**
 * Test support for the forward-auth tests: a JWT issuer whose keys are in a JWKS file, the
 * Gatehouse config those tests share (check-only routes behind an ingress), and starting the
 * real ingress peers (nginx, caddy) on loopback.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { RequestFinishedEvent } from '../../src/observe/index.ts';
import { nextEvent } from './events.ts';
import { rawRequest, statusOf } from './servers.ts';

export const ISSUER = 'https://ci.example.test';

export interface TestIssuer {
  /** The `identity.jwt` entry. */
  readonly config: Record<string, unknown>;
  /** A bearer token for `sub` (valid now for 10 minutes), with extra claims. */
  token(sub: string, claims?: Record<string, unknown>): Promise<string>;
  close(): void;
}

/** An ES256 issuer whose JWKS is a file in a temp dir. */
export async function testIssuer(): Promise<TestIssuer> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-fa-jwks-'));
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
  return {
    config: { name: 'ci', issuer: ISSUER, jwksFile, audiences: ['gatehouse'], maxLifetimeSeconds: 3600 },
    token: (sub, claims = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(ISSUER)
        .setAudience('gatehouse')
        .setSubject(sub)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(privateKey);
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Host of the protected app in every forward-auth test. */
export const APP_HOST = 'app.test';

/**
 * Check-only routes (no upstream: the ingress forwards): `/public` for anyone, `/` for alice
 * (with the assertion and an X-Gatehouse-User claim header), `/audit` in audit mode.
 */
export function forwardAuthConfig(
  issuer: TestIssuer,
  forwardAuth: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    identity: { jwt: [issuer.config] },
    assertion: { issuer: 'https://gatehouse.test' },
    forwardAuth: { trustedProxies: ['127.0.0.1/32', '::1/128'], ...forwardAuth },
    routes: [
      {
        id: 'public',
        match: { host: APP_HOST, path: '/public' },
        public: true,
        assertion: { audience: 'app' },
      },
      {
        id: 'audit',
        match: { host: APP_HOST, path: '/audit' },
        mode: 'audit',
        policy: { allow: [{ subject: 'alice' }] },
        assertion: { audience: 'app' },
      },
      {
        id: 'app',
        match: { host: APP_HOST, path: '/' },
        policy: { allow: [{ subject: 'alice' }] },
        assertion: { audience: 'app', headers: { user: 'X-Gatehouse-User' } },
      },
    ],
  };
}

/** The payload of a compact JWS, unverified (tests read what Gatehouse signed). */
export function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

/** A free TCP port on 127.0.0.1 (bound, then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface Peer {
  readonly port: number;
  readonly dir: string;
  /** The peer's log files and output, for assertion messages. */
  logs(): string;
  /** Stop the process and remove its directory. */
  stop(): Promise<void>;
}

/** The first of `paths` that exists, or undefined (the test is then skipped with the reason). */
export function binary(...paths: string[]): string | undefined {
  return paths.find((p) => existsSync(p));
}

/**
 * Spawn a peer and wait (bounded, 10 s) until it accepts TCP connections on `port`.
 * Rejects with its output when it exits or never listens.
 */
export async function startPeer(options: {
  command: string;
  args: string[];
  port: number;
  dir: string;
  env?: Record<string, string>;
  logFiles?: string[];
}): Promise<Peer> {
  let output = '';
  const proc: ChildProcess = spawn(options.command, options.args, {
    cwd: options.dir,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
    output += d;
  });
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
    output += d;
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const logs = () =>
    [output, ...(options.logFiles ?? []).map((f) => (existsSync(f) ? readFileSync(f, 'utf8') : ''))].join(
      '\n',
    );
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(killer);
    rmSync(options.dir, { recursive: true, force: true });
  };
  for (let attempt = 0; ; attempt++) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`${options.command} exited early:\n${logs()}`);
    }
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(options.port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) break;
    if (attempt >= 500) {
      await stop();
      throw new Error(`${options.command} did not listen on ${options.port}:\n${logs()}`);
    }
    await delay(20);
  }
  return { port: options.port, dir: options.dir, logs, stop };
}

/** A scratch directory for a peer's config, logs and temp files. */
export function peerDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Request targets that servers have read two ways (dot segments, encoded separators, `;`). */
export const PATH_TRICKS: readonly string[] = [
  '/public/../dash',
  '/public/%2e%2e/dash',
  '/public/%2E%2E/dash',
  '/public/..%2fdash',
  '/public/..%5cdash',
  '//public/../dash',
  '/public/./x/../../dash',
  '/public;/../dash',
  '/public/..;/dash',
  '/PUBLIC/x',
  '/public%2fx',
  '/public/x?next=../../dash',
  '/public/%252e%252e/dash',
];

/**
 * Send a raw GET for `target` (a path trick, sent as is) to the peer on `port`; its status,
 * and the forward-auth decision the request caused, if any (waited for up to 3 s).
 */
export async function throughPeer(
  port: number,
  target: string,
): Promise<{ status: number; event: RequestFinishedEvent | undefined }> {
  const decided = nextEvent<RequestFinishedEvent>(
    'gatehouse:request:finished',
    (e) => e.via === 'forward-auth',
    3_000,
  ).catch(() => undefined);
  const raw = await rawRequest(
    port,
    `GET ${target} HTTP/1.1\r\nHost: ${APP_HOST}\r\nAccept: application/json\r\nConnection: close\r\n\r\n`,
  );
  return { status: statusOf(raw), event: await decided };
}

/** The Caddyfile docs/forward-auth.md shows, on loopback. */
export function caddyfile(dir: string, port: number, gatehousePort: number, upstreamPort: number): string {
  return `{
	admin off
	auto_https off
	storage file_system ${dir}/storage
}

http://:${port} {
	bind 127.0.0.1
	forward_auth 127.0.0.1:${gatehousePort} {
		uri /.gatehouse/auth/caddy
		copy_headers X-Gatehouse-Assertion X-Gatehouse-User
	}
	reverse_proxy 127.0.0.1:${upstreamPort}
}
`;
}
