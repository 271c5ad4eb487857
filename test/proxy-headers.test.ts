import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseRawResponse } from './helpers/raw-http.ts';
import {
  type RunningGatehouse,
  rawRequest,
  startEchoUpstream,
  startGatehouse,
  startUpstream,
  type Upstream,
} from './helpers/servers.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Echo {
  readonly status: number;
  readonly response: Map<string, string[]>;
  /** Headers the upstream received (lower-case names), or undefined when it was not reached. */
  readonly upstream?: Record<string, string | string[] | undefined>;
}

/** Send a raw request (so header names, case and hop-by-hop headers are exactly as written). */
async function send(port: number, host: string, headerLines: readonly string[], path = '/h'): Promise<Echo> {
  const raw = await rawRequest(
    port,
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${headerLines.map((l) => `${l}\r\n`).join('')}Connection: close\r\n\r\n`,
  );
  const parsed = parseRawResponse(raw);
  let upstream: Echo['upstream'];
  if (parsed.status === 200 && /json/.test(parsed.headers.get('content-type')?.[0] ?? '')) {
    upstream = (JSON.parse(parsed.body) as { headers: Echo['upstream'] }).headers;
  }
  return { status: parsed.status, response: parsed.headers, ...(upstream ? { upstream } : {}) };
}

describe('proxy: header hygiene', { timeout: 20_000 }, () => {
  let echo: Upstream;
  let hopResponder: Upstream;
  let direct: RunningGatehouse;
  let trusting: RunningGatehouse;

  before(async () => {
    echo = await startEchoUpstream();
    hopResponder = await startUpstream((_req, res) => {
      // Hop-by-hop headers an upstream may send; none of them is meant for the client.
      res.writeHead(200, [
        ['Content-Type', 'text/plain'],
        ['Connection', 'x-down-secret'],
        ['Keep-Alive', 'timeout=999'],
        ['X-Down-Secret', 'internal'],
        ['Proxy-Connection', 'keep-alive'],
        ['Proxy-Authenticate', 'Basic realm="upstream"'],
        ['Upgrade', 'h2c'],
        ['Trailer', 'x-checksum'],
        ['TE', 'trailers'],
        ['X-Request-Id', 'upstream-chosen-id'],
        ['X-Kept', 'yes'],
        ['Set-Cookie', 'a=1; Path=/'],
        ['Set-Cookie', 'b=2; Path=/; HttpOnly'],
      ]);
      res.end('ok');
    });
    const routes = [
      { id: 'echo', match: { host: 'app.test', path: '/' }, upstream: echo.url, public: true },
      {
        id: 'auth-forwarded',
        match: { host: 'api.test', path: '/' },
        upstream: echo.url,
        public: true,
        forwardAuthorization: true,
      },
      { id: 'hops', match: { host: 'hops.test', path: '/' }, upstream: hopResponder.url, public: true },
    ];
    direct = await startGatehouse({ routes });
    trusting = await startGatehouse({ routes, proxy: { trustedProxies: ['127.0.0.1/32'] } });
  });
  after(async () => {
    await direct.close();
    await trusting.close();
    await echo.close();
    await hopResponder.close();
  });

  describe('hop-by-hop headers are not forwarded upstream', () => {
    for (const [name, lines] of [
      ['Connection (and the header it names)', ['Connection: x-secret', 'X-Secret: must-not-pass']],
      ['Keep-Alive', ['Keep-Alive: timeout=600']],
      ['TE', ['TE: trailers']],
      ['Trailer', ['Trailer: x-checksum']],
      ['Upgrade on a non-upgrade request', ['Upgrade: h2c']],
      ['Proxy-Connection', ['Proxy-Connection: keep-alive']],
      ['Proxy-Authorization', ['Proxy-Authorization: Basic dXNlcjpwYXNz']],
    ] as const) {
      it(`strips ${name}`, async () => {
        const r = await send(direct.port, 'app.test', lines);
        assert.equal(r.status, 200);
        const got = r.upstream!;
        for (const line of lines) {
          const header = line.slice(0, line.indexOf(':')).toLowerCase();
          if (header === 'connection') {
            // the upstream connection has its own Connection header; the client's tokens must not be in it
            assert.doesNotMatch(String(got.connection ?? ''), /x-secret/i);
            continue;
          }
          assert.equal(got[header], undefined, `${header} reached the upstream`);
        }
      });
    }

    it('strips every header named in Connection, whatever its case, and keeps the others', async () => {
      const r = await send(direct.port, 'app.test', [
        'Connection: X-One, x-TWO',
        'X-One: 1',
        'X-Two: 2',
        'X-Three: 3',
      ]);
      assert.equal(r.upstream!['x-one'], undefined);
      assert.equal(r.upstream!['x-two'], undefined);
      assert.equal(r.upstream!['x-three'], '3');
    });
  });

  it('strips hop-by-hop headers from the response, and the headers the upstream names in Connection', async () => {
    const r = await send(direct.port, 'hops.test', []);
    assert.equal(r.status, 200);
    assert.deepEqual(r.response.get('x-kept'), ['yes']);
    assert.equal(r.response.get('x-down-secret'), undefined);
    assert.equal(r.response.get('proxy-connection'), undefined);
    assert.equal(r.response.get('proxy-authenticate'), undefined);
    assert.equal(r.response.get('upgrade'), undefined);
    assert.equal(r.response.get('trailer'), undefined);
    assert.equal(r.response.get('te'), undefined);
    // Gatehouse's own connection management, not the upstream's
    assert.notDeepEqual(r.response.get('keep-alive'), ['timeout=999']);
    assert.doesNotMatch(String(r.response.get('connection')), /x-down-secret/i);
    // repeated end-to-end headers are all kept, in order
    assert.deepEqual(r.response.get('set-cookie'), ['a=1; Path=/', 'b=2; Path=/; HttpOnly']);
    // the request id is Gatehouse's, not the upstream's
    assert.match(r.response.get('x-request-id')?.[0] ?? '', UUID);
  });

  describe('forwarding headers from an untrusted peer are replaced', () => {
    it('sets X-Forwarded-For / -Proto / -Host from the connection, ignoring client values', async () => {
      const r = await send(direct.port, 'app.test', [
        'X-Forwarded-For: 203.0.113.9',
        'X-Forwarded-Proto: https',
        'X-Forwarded-Host: evil.test',
      ]);
      assert.equal(r.upstream!['x-forwarded-for'], '127.0.0.1');
      assert.equal(r.upstream!['x-forwarded-proto'], 'http');
      assert.equal(r.upstream!['x-forwarded-host'], 'app.test');
    });

    it('sets them even when the client sent none', async () => {
      const r = await send(direct.port, 'app.test', []);
      assert.equal(r.upstream!['x-forwarded-for'], '127.0.0.1');
      assert.equal(r.upstream!['x-forwarded-proto'], 'http');
      assert.equal(r.upstream!['x-forwarded-host'], 'app.test');
    });

    for (const line of [
      'Forwarded: for=203.0.113.9;proto=https',
      'X-Real-IP: 203.0.113.9',
      'X-Forwarded-Port: 443',
    ]) {
      it(`drops the client's ${line.slice(0, line.indexOf(':'))}`, async () => {
        const r = await send(direct.port, 'app.test', [line]);
        assert.equal(r.upstream![line.slice(0, line.indexOf(':')).toLowerCase()], undefined);
      });
    }

    it('generates a UUID X-Request-Id even when the client sent one, and returns it to the client', async () => {
      const r = await send(direct.port, 'app.test', ['X-Request-Id: client-chosen-id']);
      const id = r.upstream!['x-request-id'];
      assert.match(String(id), UUID);
      assert.deepEqual(r.response.get('x-request-id'), [id]);
    });
  });

  describe('forwarding headers from a trusted proxy are extended', () => {
    it('appends the peer to X-Forwarded-For and keeps its -Proto and -Host', async () => {
      const r = await send(trusting.port, 'app.test', [
        'X-Forwarded-For: 203.0.113.9, 198.51.100.7',
        'X-Forwarded-Proto: https',
        'X-Forwarded-Host: public.example.com',
      ]);
      assert.equal(r.upstream!['x-forwarded-for'], '203.0.113.9, 198.51.100.7, 127.0.0.1');
      assert.equal(r.upstream!['x-forwarded-proto'], 'https');
      assert.equal(r.upstream!['x-forwarded-host'], 'public.example.com');
    });

    it("keeps a trusted proxy's well-formed X-Request-Id and returns it", async () => {
      const r = await send(trusting.port, 'app.test', ['X-Request-Id: edge-4711.a:b']);
      assert.equal(r.upstream!['x-request-id'], 'edge-4711.a:b');
      assert.deepEqual(r.response.get('x-request-id'), ['edge-4711.a:b']);
    });

    for (const [what, value] of [
      ['with spaces', 'two words'],
      ['too long', 'a'.repeat(129)],
      ['with a quote', 'id"x'],
    ] as const) {
      it(`replaces a trusted proxy's malformed X-Request-Id (${what}) with a UUID`, async () => {
        const r = await send(trusting.port, 'app.test', [`X-Request-Id: ${value}`]);
        assert.match(String(r.upstream!['x-request-id']), UUID);
        assert.deepEqual(r.response.get('x-request-id'), [r.upstream!['x-request-id']]);
      });
    }
  });

  describe('spoofed identity headers never reach the upstream', () => {
    // Each value carries a marker; Gatehouse may set its own header of the same name (the
    // signed assertion), but the client's value must appear nowhere upstream.
    for (const line of [
      'X-Forwarded-User: SPOOFED-admin',
      'x-auth-request-email: SPOOFED-admin@example.com',
      'Remote-User: SPOOFED-admin',
      'X-GateHouse-ASSERTION: eyJhbGciOiJub25lIn0.eyJzdWIiOiJTUE9PRkVEIn0.SPOOFED',
      'X-Pomerium-Jwt-Assertion: eyJhbGciOiJub25lIn0.e30.SPOOFED',
      'Cf-Access-Jwt-Assertion: eyJhbGciOiJub25lIn0.e30.SPOOFED',
      'X-Goog-Iap-Jwt-Assertion: eyJhbGciOiJub25lIn0.e30.SPOOFED',
      // underscore spellings: CGI/WSGI/Rack upstreams map '_' and '-' to the same variable
      'X_Forwarded_User: SPOOFED-admin',
      'x_gatehouse_assertion: eyJhbGciOiJub25lIn0.e30.SPOOFED',
      'Remote_User: SPOOFED-admin',
    ]) {
      const name = line.slice(0, line.indexOf(':'));
      it(`strips ${name}`, async () => {
        for (const gh of [direct, trusting]) {
          const r = await send(gh.port, 'app.test', [line, 'X-Control: kept']);
          assert.equal(r.status, 200);
          assert.equal(r.upstream!['x-control'], 'kept');
          assert.doesNotMatch(JSON.stringify(r.upstream), /SPOOFED/, `${name} reached the upstream`);
        }
      });
    }
  });

  describe('Authorization', () => {
    it('is not forwarded by default', async () => {
      const r = await send(direct.port, 'app.test', ['Authorization: Bearer secret-token']);
      assert.equal(r.status, 200);
      assert.equal(r.upstream!.authorization, undefined);
    });

    it('is forwarded when the route says forwardAuthorization: true', async () => {
      const r = await send(direct.port, 'api.test', ['Authorization: Bearer secret-token']);
      assert.equal(r.status, 200);
      assert.equal(r.upstream!.authorization, 'Bearer secret-token');
    });
  });
});
