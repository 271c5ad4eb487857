import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import {
  type RunningGatehouse,
  rawRequest,
  startEchoUpstream,
  startGatehouse,
  statusOf,
  type Upstream,
} from './helpers/servers.ts';

describe('proxy: routing, default deny and normalisation', () => {
  let up: Upstream;
  let other: Upstream;
  let gh: RunningGatehouse;

  before(async () => {
    up = await startEchoUpstream();
    other = await startEchoUpstream();
    gh = await startGatehouse({
      routes: [
        { id: 'app', match: { host: 'app.example.com', path: '/' }, upstream: up.url, public: true },
        { id: 'app-admin', match: { host: 'app.example.com', path: '/admin' }, upstream: up.url },
        { id: 'wild', match: { host: '*.example.com', path: '/' }, upstream: other.url, public: true },
        {
          id: 'exact',
          match: { host: 'exact.test', path: '/only', pathMatch: 'exact' },
          upstream: up.url,
          public: true,
        },
      ],
    });
  });
  after(async () => {
    await gh.close();
    await up.close();
    await other.close();
  });

  async function get(path: string, host: string, headers: Record<string, string> = {}) {
    const res = await request(`${gh.url}${path}`, { headers: { host, ...headers } });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
  }

  it('forwards a public route and passes the query through unchanged', async () => {
    const r = await get('/hello/world?b=2&a=%20x', 'app.example.com');
    assert.equal(r.status, 200);
    assert.equal(r.json().url, '/hello/world?b=2&a=%20x');
  });

  it('denies with 404 route-not-found when no route matches, never reaching an upstream', async () => {
    const r = await get('/', 'unknown.test', { accept: 'application/json' });
    assert.equal(r.status, 404);
    assert.equal(r.json().error, 'route-not-found');
    assert.match(r.json().requestId, /^[0-9a-f-]{36}$/);
  });

  it('denies a route that is neither public nor has a policy (default deny)', async () => {
    const r = await get('/admin/users', 'app.example.com', { accept: 'application/json' });
    assert.equal(r.status, 403);
    assert.equal(r.json().error, 'route-denied');
  });

  it('matches prefixes on segment boundaries: /administrator is not /admin', async () => {
    const r = await get('/administrator', 'app.example.com');
    assert.equal(r.status, 200);
    assert.equal(r.json().url, '/administrator');
  });

  it('matches host case-insensitively with port and trailing dot', async () => {
    assert.equal((await get('/admin', 'APP.Example.COM.:8443')).status, 403);
    assert.equal((await get('/x', 'App.Example.Com')).status, 200);
  });

  it('exact host beats wildcard; wildcard matches deeper names', async () => {
    const r = await get('/x', 'a.b.example.com');
    assert.equal(r.status, 200);
    assert.equal(r.json().headers['x-forwarded-host'], 'a.b.example.com');
    const r2 = await get('/x', 'example.com');
    assert.equal(r2.status, 404);
  });

  it('exact path routes match only that path', async () => {
    assert.equal((await get('/only', 'exact.test')).status, 200);
    assert.equal((await get('/only/more', 'exact.test')).status, 404);
  });

  for (const [target, expected] of [
    ['/x/../admin', 403],
    ['/x/%2e%2e/admin', 403],
    ['/x/%2E%2e/admin', 403],
    ['/./admin', 403],
    ['//admin', 403],
    ['/admin/./', 403],
    ['/%61dmin', 403],
  ] as const) {
    it(`decides ${target} on its normalised path (the deny route), never the raw one`, async () => {
      const raw = await rawRequest(
        gh.port,
        `GET ${target} HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(statusOf(raw), expected, raw);
    });
  }

  it('sends the upstream the normalised path', async () => {
    const raw = await rawRequest(
      gh.port,
      'GET /a/./b/../c//d/%7Euser?q=%2F HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n',
    );
    assert.equal(statusOf(raw), 200);
    const body = JSON.parse(
      raw
        .slice(raw.indexOf('\r\n\r\n') + 4)
        .replace(/^[0-9a-f]+\r\n/, '')
        .replace(/\r\n0\r\n\r\n$/, ''),
    );
    assert.equal(body.url, '/a/c/d/~user?q=%2F');
  });

  for (const target of [
    '/admin%2Fx',
    '/a%2f..%2fadmin',
    '/a%5c..%5cadmin',
    '/a%00',
    '/a%zz',
    '/a%',
    '/public/..;/admin',
    '/admin;jsessionid=1',
    '/%c0%ae%c0%ae/admin',
    '*',
  ]) {
    it(`rejects the ambiguous target ${target} with 400`, async () => {
      const raw = await rawRequest(
        gh.port,
        `GET ${target} HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(statusOf(raw), 400, raw);
      assert.doesNotMatch(raw, /"url"/, 'must not reach the upstream');
    });
  }

  it('rejects a raw backslash with 400', async () => {
    const raw = await rawRequest(
      gh.port,
      'GET /a\\..\\admin HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n',
    );
    assert.equal(statusOf(raw), 400);
  });

  it('rejects two Host headers with 400', async () => {
    const raw = await rawRequest(
      gh.port,
      'GET / HTTP/1.1\r\nHost: app.example.com\r\nHost: evil.test\r\nConnection: close\r\n\r\n',
    );
    assert.equal(statusOf(raw), 400);
  });

  it('rejects an absolute-form target naming another host with 400, accepts the same host', async () => {
    const bad = await rawRequest(
      gh.port,
      'GET http://evil.test/ HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n',
    );
    assert.equal(statusOf(bad), 400);
    const good = await rawRequest(
      gh.port,
      'GET http://app.example.com/ok HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n',
    );
    assert.equal(statusOf(good), 200);
  });

  it('rejects a request without Host with 400', async () => {
    const raw = await rawRequest(gh.port, 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n');
    assert.equal(statusOf(raw), 400);
  });

  it('never lets a client override the path or method the upstream acts on', async () => {
    const r = await get('/public-thing', 'app.example.com', {
      'X-Original-URL': '/admin',
      'X-Rewrite-URL': '/admin',
      'X-HTTP-Method-Override': 'DELETE',
      'X-Method-Override': 'DELETE',
    });
    assert.equal(r.status, 200);
    const seen = r.json().headers as Record<string, string>;
    for (const h of ['x-original-url', 'x-rewrite-url', 'x-http-method-override', 'x-method-override']) {
      assert.equal(seen[h], undefined, h);
    }
  });

  it('drops client-address headers a client could forge (True-Client-IP, X-Client-IP, …)', async () => {
    const r = await get('/x', 'app.example.com', {
      'True-Client-IP': '10.0.0.1',
      'X-Client-IP': '10.0.0.1',
      'CF-Connecting-IP': '10.0.0.1',
      'X-Real-IP': '10.0.0.1',
    });
    const seen = r.json().headers as Record<string, string>;
    for (const h of ['true-client-ip', 'x-client-ip', 'cf-connecting-ip', 'x-real-ip'])
      assert.equal(seen[h], undefined, h);
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
  });

  it('answers Expect: 100-continue only once the request is allowed', async () => {
    const denied = await rawRequest(
      gh.port,
      'POST /admin/upload HTTP/1.1\r\nHost: app.example.com\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n',
    );
    assert.equal(statusOf(denied), 403, 'told no before sending the body');
    assert.doesNotMatch(denied, /100 Continue/);
    const allowed = await rawRequest(
      gh.port,
      'POST /upload HTTP/1.1\r\nHost: app.example.com\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nhello',
    );
    assert.match(allowed, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
  });

  it('refuses an h2c upgrade (smuggling: a tunnel in which later requests are never decided)', async () => {
    const raw = await rawRequest(
      gh.port,
      'GET / HTTP/1.1\r\nHost: app.example.com\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n',
    );
    assert.equal(statusOf(raw), 400);
    assert.match(raw, /ERR_UPGRADE_REFUSED/);
    assert.doesNotMatch(raw, /101 Switching/);
  });

  it('refuses TRACE and TRACK (they would echo identity headers back to the client)', async () => {
    for (const method of ['TRACE', 'TRACK']) {
      const raw = await rawRequest(
        gh.port,
        `${method} / HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n`,
      );
      // TRACE: 405 from Gatehouse; TRACK is not even an HTTP method to Node's parser: 400
      assert.equal(statusOf(raw), method === 'TRACE' ? 405 : 400, raw);
      assert.doesNotMatch(raw, /"url"/);
    }
  });

  it('refuses two Authorization headers with 400 (Node would keep one, an upstream the other)', async () => {
    const raw = await rawRequest(
      gh.port,
      'GET / HTTP/1.1\r\nHost: app.example.com\r\nAuthorization: Bearer a\r\nauthorization: Bearer b\r\nConnection: close\r\n\r\n',
    );
    assert.equal(statusOf(raw), 400);
    assert.match(raw, /ERR_REQUEST_HEADER_AMBIGUOUS/);
  });

  it('refuses a request with both Content-Length and Transfer-Encoding (smuggling) with 400', async () => {
    const raw = await rawRequest(
      gh.port,
      'POST / HTTP/1.1\r\nHost: app.example.com\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n',
    );
    assert.equal(statusOf(raw), 400);
  });

  it('answers garbage with 400 and stays up', async () => {
    const raw = await rawRequest(gh.port, 'NOT HTTP AT ALL\r\n\r\n');
    assert.equal(statusOf(raw), 400);
    assert.equal((await get('/', 'app.example.com')).status, 200);
  });

  it('answers oversized headers with 431', async () => {
    const raw = await rawRequest(
      gh.port,
      `GET / HTTP/1.1\r\nHost: app.example.com\r\nX-Big: ${'a'.repeat(40_000)}\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(statusOf(raw), 431);
  });

  it('never forwards /.gatehouse/ paths upstream', async () => {
    const r = await get('/.gatehouse/unknown', 'app.example.com');
    assert.equal(r.status, 404);
    assert.doesNotMatch(r.text, /"url"/);
  });

  it('renders HTML for browsers with the reason and request id, and no internals', async () => {
    const r = await get('/admin', 'app.example.com', { accept: 'text/html,application/xhtml+xml' });
    assert.equal(r.status, 403);
    assert.match(String(r.headers['content-type']), /text\/html/);
    assert.match(r.text, /route-denied/);
    assert.match(r.text, new RegExp(String(r.headers['x-request-id'])));
    assert.doesNotMatch(r.text, /at .*\.ts:\d+/);
  });
});
