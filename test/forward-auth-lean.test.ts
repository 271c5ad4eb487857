/**
 * The lean HTTP/1.1 engine of the dedicated forward-auth listener, end to end:
 * (a) a differential test: ~45 raw check requests, ordinary and hostile, sent to a gateway
 *     with the lean engine and to one with `leanHttp: false` get the same status line, headers
 *     and body; and each is served by the engine expected (lean, or handed to node:http);
 * (b) real nginx `auth_request` pointed at the dedicated listener;
 * (c) shutdown while nginx holds kept-alive connections to it completes promptly.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import net, { type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { LeanHttpServer } from '../src/forward-auth/index.ts';
import {
  APP_HOST,
  binary,
  forwardAuthConfig,
  freePort,
  jwtPayload,
  type Peer,
  peerDir,
  startPeer,
  type TestIssuer,
  testIssuer,
} from './helpers/forward-auth.ts';
import { AUTH_CHECK_LOCATION, nginxPrologue } from './helpers/nginx-forward-auth.ts';
import {
  type RunningGatehouse,
  startEchoUpstream,
  startGatehouse,
  type Upstream,
} from './helpers/servers.ts';

const NGINX = binary('/usr/sbin/nginx', '/usr/bin/nginx');
const MAX_HEADER_BYTES = 8_192;

/** Every connection the lean engine accepts in this process, and those it handed to node:http. */
const spy = { accepted: [] as Socket[], handedOver: 0 };
const realAccept = LeanHttpServer.prototype.accept;
before(() => {
  LeanHttpServer.prototype.accept = function (this: LeanHttpServer, socket, handOver) {
    spy.accepted.push(socket);
    realAccept.call(this, socket, (s) => {
      spy.handedOver++;
      handOver(s);
    });
  };
});
after(() => {
  LeanHttpServer.prototype.accept = realAccept;
});

function gatewayConfig(issuer: TestIssuer, leanHttp: boolean): Record<string, unknown> {
  return {
    listeners: [
      { name: 'web', port: 0 },
      { name: 'auth', port: 0 },
    ],
    proxy: { maxHeaderBytes: MAX_HEADER_BYTES },
    ...forwardAuthConfig(issuer, { trustedProxies: ['127.0.0.1/32'], listener: 'auth', leanHttp }),
  };
}

interface Exchange {
  readonly raw: string;
  readonly statusLine: string;
  /** Lower-case names, in order. */
  readonly headers: [string, string][];
  readonly body: string;
}

/**
 * Send raw bytes on a new connection; collect the first final response (1xx skipped): up to
 * its content-length (none after HEAD), or until the server closes, bounded by `timeoutMs`.
 */
function exchange(port: number, bytes: Buffer, headRequest: boolean, timeoutMs = 3_000): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(parseFinal(received.toString('latin1'), headRequest).exchange);
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (c: Buffer) => {
      received = Buffer.concat([received, c]);
      if (parseFinal(received.toString('latin1'), headRequest).complete) done();
    });
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', () => {});
    socket.write(bytes);
  });
}

function parseFinal(text: string, headRequest: boolean): { complete: boolean; exchange: Exchange } {
  let at = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end === -1) {
      return { complete: false, exchange: { raw: text, statusLine: '', headers: [], body: '' } };
    }
    const [statusLine = '', ...lines] = text.slice(at, end).split('\r\n');
    if (/^HTTP\/1\.1 1\d\d /.test(statusLine)) {
      at = end + 4;
      continue;
    }
    const headers = lines.map((l): [string, string] => {
      const colon = l.indexOf(':');
      return [l.slice(0, colon).toLowerCase(), l.slice(colon + 1).trim()];
    });
    const length = headers.find(([k]) => k === 'content-length');
    const body = text.slice(end + 4);
    const want = headRequest ? 0 : Number(length?.[1] ?? Number.POSITIVE_INFINITY);
    return {
      complete: body.length >= want,
      exchange: { raw: text, statusLine, headers, body: body.slice(0, headRequest ? 0 : undefined) },
    };
  }
}

/** Headers that differ by design between the engines or between runs. */
const UNCOMPARED = new Set(['date', 'x-request-id', 'keep-alive', 'connection']);
/** Claims that differ between two signings of the same decision. */
const PER_SIGNING = new Set(['iat', 'exp', 'nbf', 'jti']);

/** What must be identical: status line, headers (assertions by their stable claims), body. */
function comparable(x: Exchange): unknown {
  const ids = x.headers.filter(([k]) => k === 'x-request-id').map(([, v]) => v);
  const headers = x.headers
    .filter(([k]) => !UNCOMPARED.has(k))
    .map(([k, v]) => {
      if (k !== 'x-gatehouse-assertion') return [k, v];
      const claims = Object.entries(jwtPayload(v)).filter(([c]) => !PER_SIGNING.has(c));
      return [k, Object.fromEntries(claims)];
    });
  let body = x.body;
  for (const id of ids) body = body.replaceAll(id, '<request-id>');
  return { statusLine: x.statusLine, headers, body };
}

/** Whether the lean engine wrote the answer (it writes `date:` in lower case; node:http `Date:`). */
const leanWrote = (x: Exchange) => x.raw.includes('\r\ndate: ');

interface Case {
  readonly name: string;
  readonly bytes: Buffer;
  /** Served by the lean engine (true) or handed to node:http (false). */
  readonly lean: boolean;
  /** Expected status (both engines), as a sanity check of the case itself. */
  readonly status: number;
  readonly head?: boolean;
}

describe('lean forward-auth listener: same answers as node:http (differential)', () => {
  let issuer: TestIssuer;
  let lean: RunningGatehouse;
  let plain: RunningGatehouse;
  const cases: Case[] = [];

  before(async () => {
    issuer = await testIssuer();
    lean = await startGatehouse(gatewayConfig(issuer, true));
    plain = await startGatehouse(gatewayConfig(issuer, false));
    const alice = `Bearer ${await issuer.token('alice')}`;
    const bob = `Bearer ${await issuer.token('bob')}`;

    const add = (name: string, text: string | Buffer, isLean: boolean, status: number, head = false) =>
      cases.push({
        name,
        bytes: typeof text === 'string' ? Buffer.from(text, 'latin1') : text,
        lean: isLean,
        status,
        head,
      });
    const req = (line: string, headers: string[]) =>
      `${line}\r\n${headers.map((x) => `${x}\r\n`).join('')}\r\n`;
    /** nginx auth_request (docs/forward-auth.md location). */
    const nginx = (uri: string, extra: string[] = [], line = 'GET /.gatehouse/auth/nginx HTTP/1.1') =>
      req(line, [
        'Host: gatehouse',
        `X-Original-URI: ${uri}`,
        'X-Original-Method: GET',
        `X-Forwarded-Host: ${APP_HOST}`,
        'X-Forwarded-Proto: https',
        'X-Forwarded-For: 203.0.113.9',
        ...extra,
      ]);
    /** Traefik ForwardAuth on an unpinned path of the dedicated listener. */
    const traefik = (uri: string, extra: string[] = [], line = 'GET /check HTTP/1.1') =>
      req(line, [
        `Host: ${APP_HOST}`,
        'X-Forwarded-Method: GET',
        'X-Forwarded-Proto: https',
        `X-Forwarded-Host: ${APP_HOST}`,
        `X-Forwarded-Uri: ${uri}`,
        'X-Forwarded-For: 203.0.113.9',
        ...extra,
      ]);
    const caddy = (uri: string, extra: string[] = []) =>
      traefik(uri, extra, 'GET /.gatehouse/auth/caddy HTTP/1.1');
    const json = 'Accept: application/json';
    const html = 'Accept: text/html';

    // ordinary checks: every peer, allowed and denied
    add('nginx: public path', nginx('/public/page?x=1'), true, 200);
    add('nginx: alice', nginx('/dash', [`Authorization: ${alice}`]), true, 200);
    add('nginx: bob is denied', nginx('/dash', [`Authorization: ${bob}`]), true, 403);
    add('nginx: no token (API client)', nginx('/dash', [json]), true, 401);
    add('nginx: no token (browser)', nginx('/dash/report?tab=2', [html]), true, 401);
    add('traefik: public path', traefik('/public/x'), true, 200);
    add('traefik: alice', traefik('/dash', [`Authorization: ${alice}`]), true, 200);
    add('traefik: no token (browser)', traefik('/dash', [html]), true, 302);
    add(
      'traefik: audit-mode route lets bob through',
      traefik('/audit/x', [`Authorization: ${bob}`]),
      true,
      200,
    );
    add('caddy: bob is denied', caddy('/dash', [`Authorization: ${bob}`]), true, 403);
    add(
      'caddy: alice, Connection: close',
      caddy('/dash', [`Authorization: ${alice}`, 'Connection: close']),
      true,
      200,
    );
    add(
      'envoy: alice',
      req('GET /.gatehouse/ext-authz/dash?x=1 HTTP/1.1', [
        `Host: ${APP_HOST}`,
        'X-Forwarded-Proto: https',
        `Authorization: ${alice}`,
      ]),
      true,
      200,
    );
    add(
      'envoy: a POST check without a body',
      req('POST /.gatehouse/ext-authz/public/form HTTP/1.1', [
        `Host: ${APP_HOST}`,
        'X-Forwarded-Proto: https',
        'Content-Length: 0',
      ]),
      true,
      200,
    );
    add('HEAD check', traefik('/dash', [json], 'HEAD /check HTTP/1.1'), true, 401, true);
    add('a client request id is carried', traefik('/dash', [json, 'X-Request-Id: abc-123']), true, 401);

    // descriptions missing or in conflict
    add('no describing headers', req('GET /check HTTP/1.1', ['Host: gatehouse', json]), true, 403);
    add(
      'conflicting descriptions (X-Original-URI vs X-Forwarded-Uri)',
      nginx('/public/x', ['X-Forwarded-Uri: /dash']),
      true,
      403,
    );
    add('a describing header repeated', traefik('/public/x', ['X-Forwarded-Uri: /dash']), true, 403);
    add('conflicting methods', nginx('/public/x', ['X-Forwarded-Method: POST']), true, 403);
    add('X-Forwarded-For repeated', traefik('/public/x', ['X-Forwarded-For: 10.9.9.9']), true, 200);

    // path tricks in the described target
    for (const uri of [
      '/a/%2e%2e/admin',
      '/public/%2e%2e/dash',
      '/public%2Fx',
      '/public/..;/dash',
      '//public/../dash',
    ]) {
      // an encoded slash or `;` segment is refused as ambiguous (403), dot segments resolve to /dash (401)
      add(`path trick ${uri}`, traefik(uri, [json]), true, /%2F|;/.test(uri) ? 403 : 401);
    }
    add(
      'path trick in the check target itself',
      traefik('/public/x', [], 'GET /check/%2e%2e/x HTTP/1.1'),
      true,
      200,
    );

    // repeated or missing credentials and hosts
    // the proxy's rules refuse them before any check: the lean engine hands them to node:http
    add(
      'Authorization repeated (alice, bob)',
      traefik('/dash', [`Authorization: ${alice}`, `Authorization: ${bob}`]),
      false,
      400,
    );
    add(
      'Authorization repeated (bob, alice)',
      traefik('/dash', [`Authorization: ${bob}`, `Authorization: ${alice}`]),
      false,
      400,
    );
    add('Host repeated', traefik('/public/x', ['Host: evil.test']), false, 400);
    add(
      'no Host',
      req('GET /check HTTP/1.1', ['X-Forwarded-Uri: /public/x', `X-Forwarded-Host: ${APP_HOST}`]),
      false,
      400,
    );

    // shapes outside the lean subset: node:http answers on both
    add('HTTP/1.0', traefik('/public/x', [], 'GET /check HTTP/1.0'), false, 200);
    add(
      'a body (Content-Length: 5)',
      `${traefik('/public/x', ['Content-Length: 5'], 'POST /check HTTP/1.1')}hello`,
      false,
      200,
    );
    add(
      'a chunked body',
      `${traefik('/public/x', ['Transfer-Encoding: chunked'], 'POST /check HTTP/1.1')}5\r\nhello\r\n0\r\n\r\n`,
      false,
      200,
    );
    add(
      'Expect: 100-continue',
      traefik('/dash', [json, 'Expect: 100-continue', 'Content-Length: 0']),
      false,
      401,
    );
    add(
      'Upgrade: websocket',
      traefik('/dash', [json, 'Connection: Upgrade', 'Upgrade: websocket']),
      false,
      401,
    );
    add('Proxy-Connection: upgrade', traefik('/public/x', ['Proxy-Connection: upgrade']), false, 200);
    add('header __proto__', traefik('/public/x', ['__proto__: x']), false, 200);
    add('lower-case method', traefik('/public/x', [], 'get /check HTTP/1.1'), false, 400);
    add('unknown method', traefik('/public/x', [], 'FOO /check HTTP/1.1'), false, 400);
    add('absolute-form target', traefik('/public/x', [], 'GET http://gatehouse/check HTTP/1.1'), false, 400);
    add('asterisk-form target', traefik('/public/x', [], 'OPTIONS * HTTP/1.1'), false, 400);
    add('DEL in a header value', traefik('/public/x', ['X-Bad: a\x7fb']), false, 400);
    add('NUL in a header value', traefik('/public/x', ['X-Bad: a\0b']), false, 400);
    add('obs-fold', traefik('/public/x', ['X-Folded: a', ' b']), false, 400);
    add(
      'bare LF line end',
      traefik('/public/x').replace('\r\nX-Forwarded-For', '\nX-Forwarded-For'),
      false,
      400,
    );
    add('space before a colon', traefik('/public/x', ['X-Bad : v']), false, 400);
    add('oversized head', traefik('/public/x', [`X-Big: ${'b'.repeat(MAX_HEADER_BYTES + 100)}`]), false, 431);
    add(
      'a head just under the limit',
      traefik('/public/x', [`X-Big: ${'b'.repeat(MAX_HEADER_BYTES - 400)}`]),
      true,
      200,
    );
  });
  after(async () => {
    await lean?.close();
    await plain?.close();
    issuer?.close();
  });

  it('covers enough cases of both kinds', () => {
    assert.ok(cases.length >= 40, String(cases.length));
    assert.ok(cases.filter((c) => c.lean).length >= 20);
    assert.ok(cases.filter((c) => !c.lean).length >= 15);
  });

  it('every case: same status line, headers and body; served by the expected engine', async () => {
    const leanPort = lean.gateway.listenerPort('auth');
    const plainPort = plain.gateway.listenerPort('auth');
    for (const c of cases) {
      const [a, b] = await Promise.all([
        exchange(leanPort, c.bytes, c.head ?? false),
        exchange(plainPort, c.bytes, c.head ?? false),
      ]);
      const what = `${c.name}\nlean:\n${a.raw}\nnode:http:\n${b.raw}`;
      assert.equal(a.statusLine.split(' ')[1], String(c.status), `status of ${what}`);
      assert.deepEqual(comparable(a), comparable(b), what);
      assert.equal(leanWrote(a), c.lean, `${c.lean ? 'lean' : 'node:http'} expected to answer ${what}`);
      assert.equal(leanWrote(b), false, `leanHttp: false must not use the lean engine: ${what}`);
    }
  });

  it('the allowed check carries the same assertion claims from both engines', async () => {
    const c = cases.find((x) => x.name === 'nginx: alice')!;
    const a = await exchange(lean.gateway.listenerPort('auth'), c.bytes, false);
    const assertion = a.headers.find(([k]) => k === 'x-gatehouse-assertion')?.[1];
    assert.equal(jwtPayload(String(assertion)).sub, 'alice');
    assert.equal(jwtPayload(String(assertion)).aud, 'app');
  });

  it('kept-alive checks on one connection, and a hand-over mid-connection, answer like separate ones', async () => {
    const bytes = Buffer.concat([
      cases.find((x) => x.name === 'nginx: alice')!.bytes,
      cases.find((x) => x.name === 'nginx: bob is denied')!.bytes,
      cases.find((x) => x.name === 'a body (Content-Length: 5)')!.bytes,
      cases.find((x) => x.name === 'traefik: no token (browser)')!.bytes,
    ]);
    const statuses = async (port: number) => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => {
        text += d;
      });
      socket.write(bytes);
      for (let i = 0; i < 300 && (text.match(/^HTTP\/1\.1 /gm) ?? []).length < 4; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      socket.destroy();
      return [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1]);
    };
    const viaLean = await statuses(lean.gateway.listenerPort('auth'));
    assert.deepEqual(viaLean, ['200', '403', '200', '302']);
    assert.deepEqual(await statuses(plain.gateway.listenerPort('auth')), viaLean);
  });
});

describe('lean forward-auth listener behind real nginx auth_request', {
  skip: NGINX ? false : 'nginx is not installed (/usr/sbin/nginx)',
}, () => {
  let issuer: TestIssuer;
  let gh: RunningGatehouse;
  let app: Upstream;
  let nginx: Peer;

  before(async () => {
    issuer = await testIssuer();
    app = await startEchoUpstream();
    gh = await startGatehouse(gatewayConfig(issuer, true));
    const dir = peerDir('gatehouse-nginx-lean-');
    for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(`${dir}/${sub}`);
    const port = await freePort();
    writeFileSync(
      `${dir}/nginx.conf`,
      `${nginxPrologue(dir)}  upstream gatehouse { server 127.0.0.1:${gh.gateway.listenerPort('auth')}; keepalive 16; }
  upstream app { server 127.0.0.1:${app.port}; keepalive 16; }
  server {
    listen 127.0.0.1:${port};
    location / {
      auth_request /.gatehouse-check;
      auth_request_set $gatehouse_assertion $upstream_http_x_gatehouse_assertion;
      proxy_set_header X-Gatehouse-Assertion $gatehouse_assertion;
      proxy_set_header Host $host;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://app;
    }
${AUTH_CHECK_LOCATION}  }
}
`,
    );
    nginx = await startPeer({
      command: NGINX!,
      args: ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`],
      port,
      dir,
      logFiles: [`${dir}/error.log`],
    });
  });
  after(async () => {
    await nginx?.stop();
    await gh?.close();
    await app?.close();
    issuer?.close();
  });

  async function via(path: string, headers: Record<string, string> = {}) {
    const res = await request(`http://127.0.0.1:${nginx.port}${path}`, {
      headers: { host: APP_HOST, ...headers },
    });
    const body = await res.body.text();
    return { status: res.statusCode, body };
  }

  it('allowed: the upstream gets the request with the assertion; denied 403; no token 401', async () => {
    spy.accepted.length = 0;
    spy.handedOver = 0;
    const token = await issuer.token('alice');
    for (let i = 0; i < 3; i++) {
      const ok = await via(`/dash?i=${i}`, {
        authorization: `Bearer ${token}`,
        'x-gatehouse-assertion': 'forged',
      });
      assert.equal(ok.status, 200, nginx.logs());
      const seen = JSON.parse(ok.body) as { url: string; headers: Record<string, string> };
      assert.equal(seen.url, `/dash?i=${i}`);
      const claims = jwtPayload(seen.headers['x-gatehouse-assertion'] ?? '');
      assert.equal(claims.sub, 'alice');
      assert.equal(claims.aud, 'app');
    }
    const pub = await via('/public/page');
    assert.equal(pub.status, 200);
    assert.equal(jwtPayload(JSON.parse(pub.body).headers['x-gatehouse-assertion']).aud, 'app');

    const denied = await via('/dash', { authorization: `Bearer ${await issuer.token('bob')}` });
    assert.equal(denied.status, 403);
    assert.ok(!denied.body.includes('"url"'), 'the upstream was not reached');
    const anonymous = await via('/dash', { accept: 'application/json' });
    assert.equal(anonymous.status, 401);

    // nginx's checks went through the lean engine, on kept-alive connections, none handed over
    assert.ok(spy.accepted.length >= 1, 'the lean engine accepted nginx\u2019s connections');
    assert.ok(spy.accepted.length < 6, `${spy.accepted.length} connections for 6 checks: not kept alive`);
    assert.equal(spy.handedOver, 0);
  });

  it('shutdown while nginx keeps its connections open completes without waiting out the grace', async () => {
    const token = await issuer.token('alice');
    assert.equal((await via('/dash', { authorization: `Bearer ${token}` })).status, 200);
    const held = spy.accepted.filter((s) => !s.destroyed);
    assert.ok(held.length >= 1, 'nginx holds a kept-alive connection to the dedicated listener');
    // a client with half a head sent: buffered, not in flight
    const partial = net.connect(gh.gateway.listenerPort('auth'), '127.0.0.1');
    partial.on('error', () => {});
    await new Promise<void>((r) => partial.once('connect', () => r()));
    partial.write('GET /check HTTP/1.1\r\nHost: gate');

    const started = Date.now();
    await gh.close(); // gateway.shutdown(1_000)
    const took = Date.now() - started;
    assert.ok(took < 800, `shutdown took ${took} ms: something stayed counted in flight`);
    assert.ok(
      spy.accepted.every((s) => s.destroyed),
      'every lean connection is closed',
    );
    await new Promise<void>((r) => (partial.destroyed ? r() : partial.once('close', () => r())));
    // nginx notices: the check fails and it answers 500, never passing the request on
    const after = await via('/dash', { authorization: `Bearer ${token}` });
    assert.equal(after.status, 500);
  });
});
