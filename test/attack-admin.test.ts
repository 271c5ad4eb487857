/**
 * Hostile traffic against Gatehouse's operational surfaces, as an outside evaluator would send
 * it: the admin listener (methods, bodies, path tricks, the token in a query string, CORS and
 * cross-site writes), `/metrics` under attack traffic (label cardinality), `/healthz` and
 * `/readyz` while config reloads fail, the audit log under request-controlled strings, and the
 * JWKS endpoint. The admin token checks of test/attack-sso.test.ts are not repeated.
 *
 * Two in-process stacks on 127.0.0.1: `ops` reads a watched config file and has an admin token,
 * an audit file and a captured operational log; `open` is the SSO stack without an admin token
 * (writes accepted from loopback peers only).
 *
 * It found, fixed with it: stalled admin requests held their connection ~35 s (Node checks
 * the timeouts every 30 s by default), and without a token a web page in a browser on the same
 * machine could revoke sessions (a text/plain POST, or DNS rebinding with a foreign Host).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import pino from 'pino';
import { request } from 'undici';
import { type DevProvider, startDevOidcProvider } from '../src/demo/dev-oidc-provider.ts';
import { Gateway } from '../src/server/index.ts';
import { engineParts } from '../src/server/parts.ts';
import { tempDir, testConfig, writeConfigFile } from './helpers/config-file.ts';
import { nextEvent } from './helpers/events.ts';
import { metricValue, scrapeMetrics } from './helpers/metrics.ts';
import { parseRawResponse } from './helpers/raw-http.ts';
import { rawRequest, startEchoUpstream, statusOf, type Upstream } from './helpers/servers.ts';
import { JSON_API, SESSION, type SsoStack, send, signIn, startSsoStack } from './helpers/sso.ts';

const JWKS = '/.well-known/gatehouse/jwks.json';
const REVOKE = '/sessions/revoke';
const ADMIN_TOKEN = `adm-${randomBytes(16).toString('hex')}`;
const CLIENT_ID = 'gatehouse-ops';
const CLIENT_SECRET = `ops-secret-${randomBytes(8).toString('hex')}`;
/** Private JWK members: none may ever be published. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

interface ReloadEvent {
  ok: boolean;
  generation: number;
  trigger: string;
  problems?: string[];
}

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

async function call(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  const r = await request(url, {
    method: (o.method ?? 'GET') as 'GET',
    headers: o.headers ?? {},
    ...(o.body !== undefined ? { body: o.body } : {}),
  });
  return { status: r.statusCode, body: await r.body.text(), headers: r.headers };
}

/** Poll (bounded) until `check` holds. */
async function eventually(check: () => boolean | Promise<boolean>, withinMs = 3_000): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  while (performance.now() < deadline) {
    if (await check()) return true;
    await delay(20);
  }
  return check();
}

/** Opens a socket, writes `payload`, and resolves with how long the server took to close it (or `undefined` past `boundMs`). */
function closedWithin(port: number, payload: string, boundMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const start = performance.now();
    const socket = net.connect(port, '127.0.0.1', () => socket.write(payload));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, boundMs);
    const done = () => {
      clearTimeout(timer);
      resolve(performance.now() - start);
    };
    socket.on('close', done);
    socket.on('error', () => {});
    socket.resume();
  });
}

describe('attack: admin port and operational surfaces', { timeout: 60_000 }, () => {
  const dir = tempDir('gatehouse-attack-admin-');
  const configFile = dir.file('gatehouse.yaml');
  const auditFile = dir.file('audit.jsonl');
  const logLines: string[] = [];
  let idp: DevProvider;
  let upstream: Upstream;
  let ops: Gateway;
  let opsUrl: string;
  let adminUrl: string;
  let adminPort: number;
  let open: SsoStack;
  /** Slow-client probes opened at start, checked late (so their wait overlaps the other cases). */
  let slowBody: Promise<number | undefined>;
  let slowHeaders: Promise<number | undefined>;

  function opsConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return testConfig({
      admin: { port: 0, token: { file: dir.file('admin-token') } },
      audit: { output: { file: auditFile } },
      identity: {
        oidc: {
          issuer: idp.issuer,
          clientId: CLIENT_ID,
          clientSecret: { file: dir.file('client-secret') },
          allowInsecureIssuer: true,
        },
      },
      routes: [
        { id: 'app', match: { host: 'app.test', path: '/' }, upstream: upstream.url, public: true },
        { id: 'closed', match: { host: 'app.test', path: '/closed' }, upstream: upstream.url },
      ],
      ...extra,
    });
  }

  before(async () => {
    upstream = await startEchoUpstream();
    idp = await startDevOidcProvider({
      clients: [
        {
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          redirectUris: ['http://app.test/.gatehouse/callback'],
          postLogoutRedirectUris: ['http://app.test/.gatehouse/signed-out'],
        },
      ],
    });
    writeFileSync(dir.file('admin-token'), ADMIN_TOKEN, { mode: 0o600 });
    writeFileSync(dir.file('client-secret'), CLIENT_SECRET, { mode: 0o600 });
    writeConfigFile(configFile, opsConfig());
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        logLines.push(chunk.toString('utf8'));
        cb();
      },
    });
    ops = await Gateway.start({
      configFile,
      logger: pino({ level: 'debug', base: null }, sink),
      parts: engineParts(),
      watch: true,
    });
    opsUrl = `http://127.0.0.1:${ops.listenerPort('web')}`;
    adminPort = ops.adminPort;
    adminUrl = `http://127.0.0.1:${adminPort}`;
    open = await startSsoStack();
    // admin.ts sets requestTimeout 10 s and headersTimeout 5 s: a stalled client must be cut
    // within a few seconds of those, whatever Node's timeout-check interval is.
    slowBody = closedWithin(
      adminPort,
      `POST ${REVOKE} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"subj`,
      13_000,
    );
    slowHeaders = closedWithin(adminPort, 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a', 13_000);
  });

  after(async () => {
    await ops.shutdown(500);
    await open.close();
    await upstream.close();
    await idp.close();
    dir.remove();
  });

  // ---------------------------------------------------------------- admin API: methods and bodies

  const auth = () => ({ authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' });

  it('admin API: undocumented methods on every admin path get 405 (never 2xx or 5xx); CONNECT does not hang', async () => {
    const methods = ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'TRACE', 'MKCOL', 'PURGE'];
    for (const m of methods) {
      const r = await call(`${adminUrl}${REVOKE}`, { method: m, headers: auth() });
      assert.equal(r.status, 405, `${m} ${REVOKE}: ${r.status} ${r.body}`);
      assert.equal(r.headers.allow, 'POST', m);
    }
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      for (const m of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']) {
        const r = await call(`${adminUrl}${path}`, {
          method: m,
          headers: auth(),
          body: m === 'TRACE' ? undefined : '{}',
        });
        assert.equal(r.status, 405, `${m} ${path}: ${r.status}`);
      }
      const head = await call(`${adminUrl}${path}`, { method: 'HEAD' });
      assert.equal(head.status, 200, `HEAD ${path}`);
      assert.equal(head.body, '', `HEAD ${path} has no body`);
    }
    const raw = await rawRequest(
      adminPort,
      'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n',
      2_000,
    );
    assert.ok(!/^HTTP\/1\.1 2/.test(raw), `CONNECT answered ${raw.slice(0, 40)}`);
    assert.equal((await call(`${adminUrl}/healthz`)).status, 200);
  });

  it('admin API: huge, deeply nested, non-JSON and mistyped bodies are 4xx, revoke nothing, and the port keeps serving', async () => {
    const cases: [string, Record<string, string>, string | Buffer][] = [
      ['10 MB declared body', auth(), Buffer.alloc(10 * 1024 * 1024, 0x20)],
      ['deeply nested arrays', auth(), `${'['.repeat(2000)}${']'.repeat(2000)}`],
      ['deeply nested objects', auth(), `${'{"a":'.repeat(800)}1${'}'.repeat(800)}`],
      ['NUL and invalid UTF-8', auth(), Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x7d])],
      ['number', auth(), '12345'],
      ['string', auth(), '"subject"'],
      ['null', auth(), 'null'],
      ['subject is an object', auth(), '{"subject":{"$ne":""}}'],
      ['subject is an array', auth(), '{"subject":["alice"]}'],
      ['empty subject', auth(), '{"subject":""}'],
      ['form-encoded', { ...auth(), 'content-type': 'application/x-www-form-urlencoded' }, 'subject=alice'],
      ['empty body', auth(), ''],
    ];
    for (const [label, headers, body] of cases) {
      let r: Answer | undefined;
      try {
        r = await call(`${adminUrl}${REVOKE}`, { method: 'POST', headers, body });
      } catch {
        r = undefined; // the server may close the connection on an oversized body
      }
      if (r) {
        assert.ok(r.status >= 400 && r.status < 500, `${label}: ${r.status} ${r.body.slice(0, 200)}`);
        assert.ok(!/revoked/.test(r.body), `${label}: ${r.body.slice(0, 200)}`);
        assert.ok(!/Error:|\bat [\w.<>]+ \(/.test(r.body), `${label}: stack in the answer`);
      }
      assert.equal((await call(`${adminUrl}/healthz`)).status, 200, `after ${label}`);
    }
  });

  it('admin API: a chunked body past the limit is cut off early, not buffered whole', async () => {
    // 4 KiB limit: the server must stop reading long before 8 MiB of chunks arrive
    const socket = net.connect(adminPort, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    let answer = '';
    let closed = false;
    socket.on('data', (c: Buffer) => {
      answer += c.toString('latin1');
    });
    socket.on('close', () => {
      closed = true;
    });
    socket.on('error', () => {});
    socket.write(
      `POST ${REVOKE} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const chunk = `10000\r\n${'x'.repeat(0x10000)}\r\n`;
    let sent = 0;
    for (let i = 0; i < 128 && !closed && answer === ''; i++) {
      const ok = socket.write(chunk);
      sent += 0x10000;
      if (!ok) await Promise.race([new Promise((r) => socket.once('drain', r)), delay(200)]);
    }
    await eventually(() => closed || answer !== '', 2_000);
    socket.destroy();
    assert.ok(sent < 8 * 1024 * 1024 || closed || answer !== '', 'the server read 8 MiB without answering');
    if (answer) assert.match(answer, /^HTTP\/1\.1 4\d\d/, answer.slice(0, 80));
    assert.equal((await call(`${adminUrl}/healthz`)).status, 200);
  });

  it('admin API: a stalled body and stalled headers are cut off within the configured timeouts (+3 s)', async () => {
    const [bodyMs, headersMs] = await Promise.all([slowBody, slowHeaders]);
    assert.ok(
      headersMs !== undefined && bodyMs !== undefined,
      `stalled clients hold admin connections past 13 s (headers: ${headersMs ?? 'open'} ms, body: ${bodyMs ?? 'open'} ms)`,
    );
  });

  it('admin API: path tricks never reach the revoke route without the token, and never 5xx', async () => {
    const tricks = [
      '//sessions/revoke',
      '//evil.test/sessions/revoke',
      '/sessions/revoke/',
      '/sessions/revoke/..',
      '/sessions/revoke/../revoke',
      '/sessions/./revoke',
      '/sessions//revoke',
      '/sessions/%72evoke',
      '/sessions%2frevoke',
      '/SESSIONS/REVOKE',
      '/sessions/revoke;x=1',
      '/sessions/revoke%00',
      '/sessions/revoke%20',
      '/sessions/revoke?',
      '/sessions/revoke#x',
      '/%2e%2e/sessions/revoke',
      '/metrics/../sessions/revoke',
      `${JWKS}/../../../sessions/revoke`,
    ];
    const body = JSON.stringify({ subject: 'nobody' });
    for (const path of tricks) {
      const raw = await rawRequest(
        adminPort,
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        2_000,
      );
      const status = statusOf(raw);
      assert.ok([400, 401, 404, 405].includes(status), `${path}: ${status} ${raw.slice(0, 120)}`);
    }
    // and with the token, only the real route (any query) acts; the others do not silently succeed elsewhere
    const r = await call(`${adminUrl}${REVOKE}?x=1`, { method: 'POST', headers: auth(), body });
    assert.deepEqual(JSON.parse(r.body), { revoked: 0 });
  });

  it('admin API: the token in a query string is refused and never reaches a log line or the audit log', async () => {
    const body = JSON.stringify({ subject: 'nobody' });
    for (const q of ['token', 'access_token', 'admin_token', 'authorization', 'bearer']) {
      const r = await call(`${adminUrl}${REVOKE}?${q}=${ADMIN_TOKEN}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      assert.equal(r.status, 401, `?${q}=: ${r.status}`);
      assert.ok(!r.body.includes(ADMIN_TOKEN));
      for (const path of ['/metrics', '/healthz', '/readyz', JWKS, '/nope']) {
        const g = await call(`${adminUrl}${path}?${q}=${ADMIN_TOKEN}`);
        assert.ok(g.status < 500, path);
        assert.ok(!g.body.includes(ADMIN_TOKEN), `${path} echoes the token`);
      }
    }
    // the same mistake on the proxy port lands in the audit log's path: the query is not recorded
    const p = await call(`${opsUrl}/x?access_token=${ADMIN_TOKEN}`, { headers: { host: 'app.test' } });
    assert.equal(p.status, 200);
    await eventually(() => readFileSync(auditFile, 'utf8').includes('"path":"/x"'));
    assert.ok(!readFileSync(auditFile, 'utf8').includes(ADMIN_TOKEN), 'the token is in the audit log');
    assert.ok(!logLines.join('').includes(ADMIN_TOKEN), 'the token is in a log line');
    assert.ok(!(await scrapeMetrics(adminUrl)).includes(ADMIN_TOKEN), 'the token is in /metrics');
  });

  it('admin API: no CORS grant on admin routes (preflight and simple requests)', async () => {
    const origin = 'http://evil.test';
    const pre = await call(`${adminUrl}${REVOKE}`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    assert.ok(pre.status >= 400, `preflight answered ${pre.status}`);
    assert.equal(pre.headers['access-control-allow-origin'], undefined);
    assert.equal(pre.headers['access-control-allow-credentials'], undefined);
    for (const path of ['/metrics', '/healthz', '/readyz', REVOKE]) {
      const r = await call(`${adminUrl}${path}`, {
        method: path === REVOKE ? 'POST' : 'GET',
        headers: { origin, 'content-type': 'text/plain' },
        body: path === REVOKE ? '{"subject":"nobody"}' : undefined,
      });
      assert.equal(r.headers['access-control-allow-origin'], undefined, path);
    }
  });

  it('admin API without a token: a cross-site browser POST (text/plain, foreign Origin) cannot revoke sessions', async () => {
    const jar = await signIn(open, 'alice');
    const app = `${open.origin('app.localhost')}/api/x`;
    assert.equal((await send(jar, app, { headers: JSON_API })).status, 200, 'signed in');
    // what a page on https://evil.test can send with fetch(..., {mode: 'no-cors'}): no preflight
    const r = await call(`${open.adminUrl}${REVOKE}`, {
      method: 'POST',
      headers: {
        'content-type': 'text/plain;charset=UTF-8',
        origin: 'https://evil.test',
        'sec-fetch-site': 'cross-site',
        'sec-fetch-mode': 'no-cors',
      },
      body: JSON.stringify({ subject: 'alice' }),
    });
    const still = await send(jar, app, { headers: JSON_API });
    assert.ok(r.status >= 400, `cross-site revoke answered ${r.status} ${r.body}`);
    assert.equal(still.status, 200, 'alice was signed out by a cross-site request');
  });

  it('admin API without a token: a DNS-rebound request (foreign Host) cannot revoke sessions', async () => {
    const jar = await signIn(open, 'alice');
    const app = `${open.origin('app.localhost')}/api/x`;
    assert.equal((await send(jar, app, { headers: JSON_API })).status, 200, 'signed in');
    const r = await call(`${open.adminUrl}${REVOKE}`, {
      method: 'POST',
      headers: { host: `evil.test:${new URL(open.adminUrl).port}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'alice' }),
    });
    const still = await send(jar, app, { headers: JSON_API });
    assert.ok(r.status >= 400, `rebound revoke answered ${r.status} ${r.body}`);
    assert.equal(still.status, 200, 'alice was signed out through a foreign Host');
  });

  it('admin API: a session id sent to revoke is never echoed, valid or not', async () => {
    const jar = await signIn(open, 'alice');
    const id = jar.get('app.localhost', SESSION)!;
    assert.ok(id);
    const r = await call(`${open.adminUrl}${REVOKE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId: id }),
    });
    assert.deepEqual(JSON.parse(r.body), { revoked: 1 });
    const bad = await call(`${open.adminUrl}${REVOKE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId: `${id}"\n{"x":1}` }),
    });
    assert.equal(bad.status, 400);
    assert.ok(!bad.body.includes(id), 'the rejected session id is echoed');
  });

  // ---------------------------------------------------------------- /metrics under attack traffic

  it('/metrics: 2,000 requests with distinct hosts, paths, methods and reasons add a bounded set of series, none request-controlled', async () => {
    const marker = `zq${randomBytes(3).toString('hex')}`;
    const series = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#'));
    const before = series(await scrapeMetrics(adminUrl));
    const methods = http.METHODS.filter((m) => m !== 'CONNECT');
    let failed = 0;
    const one = async (i: number) => {
      const kind = i % 5;
      const host = kind === 0 ? `h${i}-${marker}.test` : 'app.test';
      const path =
        kind === 1
          ? `/closed/${marker}/${i}`
          : kind === 2
            ? `/${marker}/${i}/%2e%2e/%2F..%5c${i}`
            : kind === 3
              ? `/${marker}"{}=,\\${i}`
              : `/${marker}/${i}`;
      try {
        const r = await request(`${opsUrl}${path}`, {
          method: methods[i % methods.length] as 'GET',
          headers: {
            host,
            'x-forwarded-host': `fh${i}-${marker}.test`,
            'x-forwarded-for': `10.${i % 250}.0.1`,
            ...(kind === 4 ? { authorization: `Bearer ${marker}.${i}.x` } : {}),
            'user-agent': `${marker}-ua-${i}`,
          },
        });
        await r.body.dump();
      } catch {
        failed++;
      }
    };
    for (let i = 0; i < 2_000; i += 25) {
      await Promise.all(Array.from({ length: 25 }, (_, k) => one(i + k)));
    }
    // raw methods Node's client will not send
    for (const m of [`${marker.toUpperCase()}`, 'GET\u00a0', 'X-Y']) {
      await rawRequest(ops.listenerPort('web'), `${m} /${marker} HTTP/1.1\r\nHost: app.test\r\n\r\n`, 1_000);
    }
    assert.ok(failed < 100, `${failed} requests failed at the socket`);
    const text = await scrapeMetrics(adminUrl);
    const afterSeries = series(text);
    assert.ok(
      !text.includes(marker),
      `a request-controlled string is in /metrics: ${afterSeries.find((l) => l.includes(marker))}`,
    );
    assert.ok(
      afterSeries.length - before.length < 60,
      `series grew from ${before.length} to ${afterSeries.length}`,
    );
    const requestSeries = afterSeries.filter((l) => l.startsWith('gatehouse_requests_total{'));
    assert.ok(requestSeries.length <= 20, `gatehouse_requests_total has ${requestSeries.length} series`);
    assert.ok(requestSeries.length >= 2, 'the traffic was counted');
  });

  // ---------------------------------------------------------------- the audit log

  it('audit log: quotes, encoded newlines, unicode separators and long values never break a line or forge a record', async () => {
    const marker = `au${randomBytes(3).toString('hex')}`;
    const forged = `{"log":"audit","event":"decision","decision":"allow","forged":"${marker}"}`;
    const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
    /** The request id Gatehouse gave a request: its deny answer names it, the echo upstream shows it. */
    const idOf = (headers: Record<string, string | string[] | undefined>, body: string): string | undefined =>
      UUID.exec(String(headers['x-request-id'] ?? ''))?.[0] ?? UUID.exec(body)?.[0];
    const ids: string[] = [];
    const paths = [
      `/${marker}/q"uote\\back`,
      `/${marker}/nl%0A${encodeURIComponent(forged)}`,
      `/${marker}/crlf%0D%0A${encodeURIComponent(forged)}`,
      `/${marker}/ls%E2%80%A8${encodeURIComponent(forged)}`,
      `/${marker}/ps%E2%80%A9x%C2%85y`,
      `/${marker}/nul%00x%1bx%7f`,
      `/${marker}/long/${'a'.repeat(12_000)}`,
      `/${marker}/bad%ZZ%E2%80`,
    ];
    for (const path of paths) {
      const r = await call(`${opsUrl}${path}`, { headers: { host: 'app.test' } });
      assert.ok(r.status < 500, `${path.slice(0, 60)}: ${r.status}`);
      const id = idOf(r.headers, r.body);
      assert.ok(id, `no request id for ${path.slice(0, 60)}`);
      ids.push(id);
    }
    // raw bytes Node's client refuses: a quote and a raw U+2028 in the request target, a quote in Host
    const raws = [
      `GET /${marker}/raw"q HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n`,
      Buffer.concat([
        Buffer.from(`GET /${marker}/rawls`),
        Buffer.from('\u2028', 'utf8'),
        Buffer.from(`${forged} HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n`),
      ]),
      `GET /${marker}/hosty HTTP/1.1\r\nHost: app.test"},{"forged":"${marker}\r\nConnection: close\r\n\r\n`,
    ];
    for (const payload of raws) {
      const raw = parseRawResponse(await rawRequest(ops.listenerPort('web'), payload, 2_000));
      assert.ok(raw.status > 0 && raw.status < 500, `raw request answered ${raw.status}`);
      const id = idOf({ 'x-request-id': raw.headers.get('x-request-id')?.[0] }, raw.body);
      if (id) ids.push(id);
    }
    const lines = () =>
      readFileSync(auditFile, 'utf8')
        .split('\n')
        .filter((l) => l !== '');
    await eventually(() => ids.every((id) => lines().some((l) => l.includes(id))));
    const all = lines();
    for (const line of all) {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        assert.fail(`not one JSON record: ${line.slice(0, 200)}`);
      }
      assert.equal(record.log, 'audit', line.slice(0, 200));
      assert.ok(record.event === 'decision' || record.event === 'session', line.slice(0, 200));
      assert.equal(record.forged, undefined, `a forged record: ${line.slice(0, 200)}`);
    }
    for (const id of ids) {
      const mine = all.filter((l) => l.includes(id));
      assert.equal(mine.length, 1, `request ${id} has ${mine.length} audit lines`);
      assert.equal((JSON.parse(mine[0]!) as { requestId: string }).requestId, id);
    }
    // the forged text appears only inside a JSON string, never as a record of its own
    assert.ok(!all.some((l) => l.startsWith('{"log":"audit","event"')), 'a line shaped like the forgery');
  });

  it('audit log: no raw line-separator characters (U+2028, U+2029, U+0085) that line splitters such as Python splitlines() break on', async () => {
    // the path is recorded percent-encoded as normalised, so these stay escaped; this guards that
    const marker = `ls${randomBytes(3).toString('hex')}`;
    const r = await call(`${opsUrl}/${marker}/a%E2%80%A8b%E2%80%A9c%C2%85d`, {
      headers: { host: 'app.test' },
    });
    assert.ok(r.status < 500);
    const mine = () =>
      readFileSync(auditFile, 'utf8')
        .split('\n')
        .filter((l) => l.includes(marker));
    assert.ok(await eventually(() => mine().length >= 1), 'no audit line');
    for (const line of mine())
      assert.ok(!/[\u2028\u2029\u0085]/.test(line), JSON.stringify(line.slice(0, 200)));
    const python = readFileSync(auditFile, 'utf8').split(/\r\n|[\n\r\v\f\x1c-\x1e\u0085\u2028\u2029]/);
    for (const l of python.filter((x) => x.includes(marker) || x.includes('b\\u'))) {
      assert.doesNotThrow(() => JSON.parse(l), `splitlines() piece is not JSON: ${l.slice(0, 120)}`);
    }
  });

  // ---------------------------------------------------------------- JWKS

  it('JWKS: GET and HEAD with caching headers; other methods 405; no private key member, on the admin port and the proxy', async () => {
    for (const base of [adminUrl, opsUrl]) {
      const get = await call(`${base}${JWKS}`, { headers: { host: 'anything.test' } });
      assert.equal(get.status, 200, base);
      assert.match(String(get.headers['content-type']), /^application\/(jwk-set\+)?json/);
      assert.match(String(get.headers['cache-control']), /max-age=\d+|no-cache/);
      const jwks = JSON.parse(get.body) as { keys: Record<string, unknown>[] };
      assert.ok(jwks.keys.length >= 1);
      for (const k of jwks.keys) {
        for (const m of PRIVATE_MEMBERS) assert.equal(k[m], undefined, `private member ${m} published`);
        assert.ok(typeof k.kid === 'string' && typeof k.kty === 'string');
      }
      const head = await call(`${base}${JWKS}`, { method: 'HEAD', headers: { host: 'anything.test' } });
      assert.equal(head.status, 200);
      assert.equal(head.body, '');
      assert.equal(head.headers['content-length'], get.headers['content-length']);
      for (const m of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        const r = await call(`${base}${JWKS}`, {
          method: m,
          headers: { host: 'anything.test' },
          body: m === 'OPTIONS' ? undefined : '{}',
        });
        assert.equal(r.status, 405, `${m} ${base}: ${r.status}`);
        assert.match(String(r.headers.allow), /GET/);
      }
      const trick = await call(`${base}${JWKS}?kid=../../etc/passwd`, { headers: { host: 'anything.test' } });
      assert.equal(trick.body, get.body);
    }
  });

  // ---------------------------------------------------------------- reloads that fail, and storms

  describe('config reload under hostile files', () => {
    async function rewrite(config: Record<string, unknown> | string, ok: boolean): Promise<ReloadEvent> {
      const event = nextEvent<ReloadEvent>(
        'gatehouse:config:reload',
        (e) => e.trigger === 'file' && e.ok === ok,
        5_000,
      );
      writeConfigFile(configFile, config);
      return event;
    }
    async function rejected(): Promise<number> {
      return (
        metricValue(await scrapeMetrics(adminUrl), 'gatehouse_config_reloads_total', {
          result: 'rejected',
          trigger: 'file',
        }) ?? 0
      );
    }
    async function serving(): Promise<void> {
      assert.equal(
        (await call(`${opsUrl}/`, { headers: { host: 'app.test' } })).status,
        200,
        'old config serves',
      );
      assert.equal((await call(`${adminUrl}/healthz`)).status, 200, 'healthz');
      assert.equal((await call(`${adminUrl}/readyz`)).status, 200, 'readyz stays ready');
    }

    it('bad YAML: the old config keeps serving, readiness stays true, the failure is counted and logged', async () => {
      const generation = ops.generation;
      const before = await rejected();
      const logBefore = logLines.length;
      const e = await rewrite('listeners: [\n  - name: web\n routes: {{{: "\n\t- x', false);
      assert.equal(e.ok, false);
      assert.ok((e.problems ?? []).length > 0, 'the problem is reported');
      assert.equal(ops.generation, generation);
      await serving();
      assert.equal(await rejected(), before + 1);
      assert.equal(metricValue(await scrapeMetrics(adminUrl), 'gatehouse_config_generation'), generation);
      assert.ok(
        logLines.slice(logBefore).some((l) => l.includes('"config-rejected"')),
        'a config-rejected log line',
      );
    });

    it('a key file that is not a key: rejected, old keys keep signing and publishing, still ready', async () => {
      const junk = dir.file('junk.pem');
      writeFileSync(junk, '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n');
      const jwksBefore = (await call(`${adminUrl}${JWKS}`)).body;
      const generation = ops.generation;
      const before = await rejected();
      const e = await rewrite(opsConfig({ assertion: { keys: [{ file: junk }] } }), false);
      assert.ok(
        (e.problems ?? []).some((p) => p.includes('/assertion/keys/0')),
        JSON.stringify(e.problems),
      );
      assert.ok(!(e.problems ?? []).join('').includes('not a key'), 'key file content in a problem');
      assert.equal(ops.generation, generation);
      await serving();
      assert.equal(await rejected(), before + 1);
      assert.equal((await call(`${adminUrl}${JWKS}`)).body, jwksBefore, 'JWKS unchanged');
      // a missing key file: same
      const e2 = await rewrite(
        opsConfig({ assertion: { keys: [{ file: dir.file('missing.pem') }] } }),
        false,
      );
      assert.equal(e2.ok, false);
      await serving();
    });

    it('a good key by reload is published without private members', async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const good = dir.file('good.pem');
      writeFileSync(good, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
      const e = await rewrite(
        opsConfig({ assertion: { keys: [{ file: good, kid: 'reloaded-key' }] } }),
        true,
      );
      assert.equal(e.ok, true);
      const jwks = JSON.parse((await call(`${adminUrl}${JWKS}`)).body) as { keys: Record<string, unknown>[] };
      const k = jwks.keys.find((x) => x.kid === 'reloaded-key');
      assert.ok(k, 'the new key is published');
      for (const m of PRIVATE_MEMBERS) assert.equal(k[m], undefined, m);
      await serving();
    });

    it('a reload storm (50 rewrites, good and bad): still serving and ready throughout, and the last good file wins', async () => {
      const failures: string[] = [];
      let stop = false;
      const probe = (async () => {
        while (!stop) {
          try {
            const a = await call(`${opsUrl}/`, { headers: { host: 'app.test' } });
            const b = await call(`${adminUrl}/readyz`);
            if (a.status !== 200 || b.status !== 200) failures.push(`${a.status}/${b.status}`);
          } catch (err) {
            failures.push((err as Error).message);
          }
        }
      })();
      for (let i = 0; i < 50; i++) {
        if (i % 3 === 2) writeConfigFile(configFile, `routes: [${i}`);
        else
          writeConfigFile(
            configFile,
            opsConfig({
              routes: [
                { id: 'app', match: { host: 'app.test', path: '/' }, upstream: upstream.url, public: true },
                {
                  id: `storm-${i}`,
                  match: { host: `storm${i}.test`, path: '/' },
                  upstream: upstream.url,
                  public: true,
                },
              ],
            }),
          );
        await delay(i % 10 === 0 ? 200 : 5);
      }
      // the last write (i = 49) is a good config: it must be applied (bounded wait)
      const applied = await eventually(
        async () => (await call(`${opsUrl}/`, { headers: { host: 'storm49.test' } })).status === 200,
        5_000,
      );
      stop = true;
      await probe;
      assert.ok(applied, 'the last good config was never applied');
      assert.deepEqual(failures.slice(0, 5), [], `${failures.length} probe failures`);
      assert.equal((await call(`${adminUrl}/healthz`)).status, 200);
    });
  });
});
