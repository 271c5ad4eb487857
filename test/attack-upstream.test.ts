import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { WebSocket } from 'ws';
import { deadPort } from './helpers/raw-http.ts';
import { type RunningGatehouse, startGatehouse } from './helpers/servers.ts';

// Hostile and broken upstreams: raw `net` servers on 127.0.0.1 that write exactly the bytes
// chosen here, in front of an in-process Gatehouse with SSO configured (so its own cookies
// have names), driven by raw sockets, undici and `ws`. What must hold: a client never gets
// another client's answer or a desynchronised connection, an upstream cannot plant
// Gatehouse's cookies or headers, failures are a 5xx with a catalogued code and no internals,
// and a client that does not read does not make Gatehouse buffer.
//
// It found, fixed with it: an upstream could set or clear Gatehouse's session cookies (in
// any answer, and in a 101), relay X-Gatehouse-* headers, send `gzip, chunked` bodies the
// client misread, break answers with 103 Early Hints, stall a connection by answering before
// the request body arrived, and switch a WebSocket request to another protocol; odd statuses
// and oversized heads were reported as connect failures.

const SESSION = '__Host-gatehouse_session';
const LOGIN = '__Host-gatehouse_session_login';
const MB = 1024 * 1024;
const HEADERS_MS = 300;
const IDLE_MS = 300;
const ERROR_CODE = /^ERR_[A-Z_]+$/;
const INTERNALS = /ECONNRESET|UND_ERR|HPE_|127\.0\.0\.1|\bat .*:\d+|Error:|SMUGGLED/;

/** Called for every request head an upstream connection receives; 'takeover' stops parsing (tunnels). */
type Answer = (socket: net.Socket, head: string, nth: number) => 'takeover' | undefined;

interface RawUpstream {
  readonly url: string;
  /** Every request head received, in order. */
  readonly heads: string[];
  /** Upstream connections accepted so far. */
  readonly sockets: net.Socket[];
  close(): Promise<void>;
}

/** A raw TCP upstream: parses request heads (skipping Content-Length bodies) and lets `answer` write bytes. */
async function rawUpstream(answer: Answer): Promise<RawUpstream> {
  const open = new Set<net.Socket>();
  const heads: string[] = [];
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    open.add(socket);
    sockets.push(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {});
    let buf = Buffer.alloc(0);
    let skip = 0;
    let nth = 0;
    let parsing = true;
    socket.on('data', (d: Buffer) => {
      if (!parsing) return;
      buf = Buffer.concat([buf, d]);
      for (let guard = 0; guard < 1_000; guard++) {
        if (skip > 0) {
          const k = Math.min(skip, buf.length);
          skip -= k;
          buf = buf.subarray(k);
          if (skip > 0) return;
        }
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(end + 4);
        skip = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        heads.push(head);
        if (answer(socket, head, nth++) === 'takeover') {
          parsing = false;
          if (buf.length > 0) socket.unshift(buf);
          return;
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    heads,
    sockets,
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}

/** An answer with a Content-Length body (and extra header lines). */
function http200(body: string, lines: string[] = []): string {
  return `HTTP/1.1 200 OK\r\n${lines.map((l) => `${l}\r\n`).join('')}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** The path of a request head (`GET /x HTTP/1.1` -> `/x`). */
function pathOf(head: string): string {
  return head.split(' ')[1] ?? '';
}

/** The WebSocket accept value for a key (RFC 6455 §4.2.2). */
function acceptFor(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

/** An unmasked server-to-client text frame (payload < 126 bytes). */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
}

interface Parsed {
  readonly status: number;
  readonly headers: Map<string, string[]>;
  readonly body: string;
  /** Bytes after this response (the next one on the connection). */
  readonly rest: string;
}

/**
 * The first complete response in `text` (Content-Length, chunked, or bodiless status/HEAD),
 * or undefined while it is incomplete.
 */
function firstResponse(text: string, head = false): Parsed | undefined {
  let at = 0;
  // skip 1xx interim answers
  for (let guard = 0; guard < 20; guard++) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end === -1) return undefined;
    const lines = text.slice(at, end).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
    const headers = new Map<string, string[]>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
    }
    const bodyAt = end + 4;
    if (status >= 100 && status < 200 && status !== 101) {
      at = bodyAt;
      continue;
    }
    if (head || status === 204 || status === 304 || status === 101) {
      return { status, headers, body: '', rest: text.slice(bodyAt) };
    }
    if (headers.get('transfer-encoding')?.some((v) => /chunked/i.test(v))) {
      let body = '';
      let p = bodyAt;
      for (let g = 0; g < 100_000; g++) {
        const eol = text.indexOf('\r\n', p);
        if (eol === -1) return undefined;
        const size = Number.parseInt(text.slice(p, eol), 16);
        if (!Number.isFinite(size)) return undefined;
        if (size === 0) {
          const fin = text.indexOf('\r\n\r\n', eol);
          if (fin === -1) return undefined;
          return { status, headers, body, rest: text.slice(fin + 4) };
        }
        if (text.length < eol + 2 + size + 2) return undefined;
        body += text.slice(eol + 2, eol + 2 + size);
        p = eol + 2 + size + 2;
      }
      return undefined;
    }
    const cl = headers.get('content-length');
    if (cl === undefined) return undefined; // read until close: the caller decides
    const n = Number(cl[0]);
    if (text.length - bodyAt < n) return undefined;
    return { status, headers, body: text.slice(bodyAt, bodyAt + n), rest: text.slice(bodyAt + n) };
  }
  return undefined;
}

/** A raw client connection: write bytes, read until a condition, the close, or a time limit. */
class RawClient {
  readonly socket: net.Socket;
  text = '';
  closed = false;
  #waiters: (() => void)[] = [];

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setEncoding('latin1');
    this.socket.on('data', (d: string) => {
      this.text += d;
      this.#wake();
    });
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  send(payload: string): this {
    this.socket.write(payload);
    return this;
  }

  /** Resolves when `until(text)` holds or the connection closed, or after `timeoutMs`. */
  async read(until: (text: string) => boolean, timeoutMs = 3_000): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    while (!until(this.text) && !this.closed) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.text;
  }

  /** The first complete response (fails the test when none came). */
  async response(head = false, timeoutMs = 3_000): Promise<Parsed> {
    const text = await this.read((t) => firstResponse(t, head) !== undefined, timeoutMs);
    const r = firstResponse(text, head);
    assert.ok(r, `no complete response; got ${JSON.stringify(text.slice(0, 400))}`);
    return r;
  }

  close(): void {
    this.socket.destroy();
  }
}

function get(host: string, path = '/', extra: string[] = []): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nAccept: application/json\r\n${extra.map((l) => `${l}\r\n`).join('')}\r\n`;
}

/** An error answer from Gatehouse: the status, a catalogued code, the request id, nothing internal. */
function assertCatalogued(r: Parsed, status: number, code?: string): void {
  assert.equal(r.status, status, `status ${r.status}: ${r.body}`);
  const body = JSON.parse(r.body) as { error: string; status: number; requestId: string };
  assert.match(body.error, ERROR_CODE);
  if (code) assert.equal(body.error, code);
  assert.equal(body.status, status);
  assert.equal(body.requestId, r.headers.get('x-request-id')?.[0]);
  assert.doesNotMatch(r.body, INTERNALS);
}

describe('attack: hostile upstreams and tunnels', { timeout: 30_000 }, () => {
  const ups = new Map<string, RawUpstream>();
  let gh: RunningGatehouse;
  let secretDir: string;
  const clients: RawClient[] = [];

  /** One raw upstream per case, each on its own route `<name>.test`. */
  const behaviours: Record<string, Answer> = {
    // --- cookies and identity headers planted by the upstream ---
    toss: (s) => {
      s.write(
        http200('ok', [
          `Set-Cookie: ${SESSION}=planted-session; Path=/; Secure; HttpOnly; SameSite=Lax`,
          `set-cookie: ${LOGIN}=planted-login; Path=/; Secure; HttpOnly; Max-Age=600`,
          `SET-COOKIE: ${SESSION}=; Path=/; Secure; Max-Age=0`,
          'Set-Cookie: app=kept; Path=/',
        ]),
      );
      return undefined;
    },
    // spellings a browser stores, or sends back, as Gatehouse's cookie
    tossvariants: (s) => {
      s.write(
        http200('ok', [
          `Set-Cookie:  ${SESSION} =padded; Path=/; Secure`,
          `Set-Cookie: =${SESSION}=nameless; Path=/; Secure`,
          `Set-Cookie: app=kept; Path=/`,
        ]),
      );
      return undefined;
    },
    identity: (s) => {
      s.write(
        http200('ok', [
          'X-Gatehouse-Assertion: eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.forged',
          'X-Gatehouse-User: admin@example.com',
          'X-Gatehouse-Reason: allowed',
          'X-Request-Id: upstream-chosen-id',
        ]),
      );
      return undefined;
    },
    // --- framing ---
    dupcl: (s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!');
      return undefined;
    },
    dupclsame: (s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello');
      return undefined;
    },
    clte: (s) => {
      s.write(
        'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
      );
      return undefined;
    },
    // a second, unrequested answer in the same write as the first
    overrun: (s, head) => {
      if (pathOf(head) === '/') s.write(`${http200('hello')}${http200('SMUGGLED')}`);
      else s.write(http200(`answer${pathOf(head)}`));
      return undefined;
    },
    // the same, written after the first answer was delivered (the connection idles in the pool)
    lateoverrun: (s, _h, nth) => {
      s.write(http200(`answer-${nth}`));
      return undefined;
    },
    nocontent: (s, head) => {
      if (pathOf(head) === '/first')
        s.write(`HTTP/1.1 204 No Content\r\nContent-Length: 8\r\n\r\n${http200('SMUGGLED')}`);
      else s.write(http200('second'));
      return undefined;
    },
    notmodified: (s, head) => {
      if (pathOf(head) === '/first')
        s.write(`HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n${http200('SMUGGLED')}`);
      else s.write(http200('second'));
      return undefined;
    },
    headbody: (s, head) => {
      if (head.startsWith('HEAD'))
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n${http200('SMUGGLED')}`);
      else s.write(http200('second'));
      return undefined;
    },
    short: (s) => {
      s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b');
      return undefined;
    },
    shortchunked: (s) => {
      s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
      return undefined;
    },
    badchunk: (s) => {
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n');
      return undefined;
    },
    trailers: (s) => {
      s.write(
        `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Set-Cookie\r\n\r\n5\r\nhello\r\n0\r\nSet-Cookie: ${SESSION}=from-trailer; Path=/; Secure\r\n\r\n`,
      );
      return undefined;
    },
    gzipte: (s) => {
      s.write(
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n4\r\n\x1f\x8b\x08\x00\r\n0\r\n\r\n',
        'latin1',
      );
      return undefined;
    },
    // answers as soon as the head arrives, before the request body (an early 401/413)
    early: (s, head) => {
      if (pathOf(head) === '/upload') s.write(http200('early answer'));
      else s.write(http200(`answer${pathOf(head)}`));
      return undefined;
    },
    http10: (s) => {
      s.end('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nbody until close');
      return undefined;
    },
    close: (s, _h, nth) => {
      s.end(http200(`closed-${nth}`, ['Connection: close']));
      return undefined;
    },
    // --- interim and odd status answers ---
    earlyhints: (s) => {
      s.write(
        'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n' +
          'HTTP/1.1 102 Processing\r\n\r\n' +
          http200('final answer'),
      );
      return undefined;
    },
    hintsthensilence: (s) => {
      s.write('HTTP/1.1 103 Early Hints\r\nLink: </a.js>; rel=preload\r\n\r\n');
      return undefined;
    },
    continue: (s) => {
      s.write(`HTTP/1.1 100 Continue\r\n\r\n${http200('after continue')}`);
      return undefined;
    },
    h2c: (s) => {
      s.write(
        'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\nPRI * HTTP/2.0 tunnel bytes',
      );
      return undefined;
    },
    status99: (s) => {
      s.write('HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\nok');
      return undefined;
    },
    status600: (s) => {
      s.write('HTTP/1.1 600 Odd\r\nContent-Length: 2\r\n\r\nok');
      return undefined;
    },
    nul: (s) => {
      s.write('HTTP/1.1 200 OK\r\nX-Bad: a\0b\r\nContent-Length: 2\r\n\r\nok');
      return undefined;
    },
    barecr: (s) => {
      s.write('HTTP/1.1 200 OK\r\nX-Bad: a\rSet-Cookie: injected=1\r\nContent-Length: 2\r\n\r\nok');
      return undefined;
    },
    folded: (s) => {
      s.write('HTTP/1.1 200 OK\r\nX-Folded: a\r\n Set-Cookie: injected=1\r\nContent-Length: 2\r\n\r\nok');
      return undefined;
    },
    hugehead: (s) => {
      const lines: string[] = [];
      for (let i = 0; i < 80; i++) lines.push(`X-Filler-${i}: ${'f'.repeat(1_000)}`);
      s.write(http200('ok', lines));
      return undefined;
    },
    redirect: (s) => {
      s.write('HTTP/1.1 302 Found\r\nLocation: https://evil.example/steal\r\nContent-Length: 0\r\n\r\n');
      return undefined;
    },
    never: () => undefined,
    trickle: (s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
      let n = 0;
      const t = setInterval(() => {
        if (s.destroyed || n++ > 100) {
          clearInterval(t);
          return;
        }
        s.write('x');
      }, 100);
      s.on('close', () => clearInterval(t));
      return undefined;
    },
    // --- WebSocket tunnels ---
    wsplant: (s, head) => {
      const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1] ?? '';
      s.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${acceptFor(key)}\r\n` +
          `Set-Cookie: ${SESSION}=planted-by-101; Path=/; Secure; HttpOnly\r\n` +
          'X-Gatehouse-User: admin@example.com\r\n\r\n',
      );
      return 'takeover';
    },
    wsbadaccept: (s) => {
      s.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Accept: d3JvbmcgYWNjZXB0IHZhbHVlIQ==\r\n\r\n',
      );
      return 'takeover';
    },
    wsh2c: (s) => {
      s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n');
      return 'takeover';
    },
    // 101 and the first frame in one write, then the upstream closes
    wsfirstframe: (s, head) => {
      const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1] ?? '';
      s.write(
        Buffer.concat([
          Buffer.from(
            'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
              `Sec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`,
          ),
          textFrame('hello in the same packet'),
          Buffer.from([0x88, 0x02, 0x03, 0xe8]), // close 1000
        ]),
      );
      s.end();
      return 'takeover';
    },
  };

  before(async () => {
    secretDir = mkdtempSync(join(tmpdir(), 'gatehouse-attack-upstream-'));
    const secretFile = join(secretDir, 'client-secret');
    writeFileSync(secretFile, 'attack-upstream-client-secret\n', { mode: 0o600 });
    for (const [name, answer] of Object.entries(behaviours)) ups.set(name, await rawUpstream(answer));
    const idp = await deadPort(); // discovery is lazy: public routes never need the provider
    gh = await startGatehouse({
      identity: {
        oidc: {
          issuer: `http://127.0.0.1:${idp}`,
          clientId: 'gatehouse-attack',
          clientSecret: { file: secretFile },
          allowInsecureIssuer: true,
        },
      },
      routes: [...ups].map(([name, u]) => ({
        id: name,
        match: { host: `${name}.test`, path: '/' },
        upstream: u.url,
        public: true,
        timeouts: { headersMs: HEADERS_MS, idleMs: IDLE_MS, ...(name === 'trickle' ? { totalMs: 800 } : {}) },
      })),
    });
  });

  after(async () => {
    for (const c of clients) c.close();
    await gh.close();
    await Promise.all([...ups.values()].map((u) => u.close()));
    rmSync(secretDir, { recursive: true, force: true });
  });

  function client(): RawClient {
    const c = new RawClient(gh.port);
    clients.push(c);
    return c;
  }

  /** One request on a new connection; its first complete response. */
  async function once1(name: string, path = '/', extra: string[] = []): Promise<Parsed> {
    return client()
      .send(get(`${name}.test`, path, extra))
      .response();
  }

  describe('Gatehouse’s cookies and headers cannot be planted by an upstream', () => {
    it('Set-Cookie for the session and login cookies (any attributes, several, any header case) is dropped; others pass', async () => {
      const r = await once1('toss');
      assert.equal(r.status, 200);
      assert.deepEqual(r.headers.get('set-cookie'), ['app=kept; Path=/']);
    });

    it('spellings a browser stores or sends as the session cookie (padded name, nameless cookie) are dropped', async () => {
      const r = await once1('tossvariants');
      assert.equal(r.status, 200);
      assert.deepEqual(r.headers.get('set-cookie'), ['app=kept; Path=/']);
    });

    it('X-Gatehouse-* identity and reason headers from the upstream never reach the client; X-Request-Id is Gatehouse’s', async () => {
      const r = await once1('identity');
      assert.equal(r.status, 200);
      assert.match(r.headers.get('x-request-id')?.[0] ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(r.headers.get('x-request-id')?.length, 1);
      for (const name of r.headers.keys())
        assert.doesNotMatch(name, /^x-gatehouse-/, `${name} reached the client`);
    });

    it('a Set-Cookie in chunked trailers never reaches the client (trailers are not relayed)', async () => {
      const c = client().send(get('trailers.test'));
      const r = await c.response();
      assert.equal(r.status, 200);
      assert.equal(r.body, 'hello');
      assert.doesNotMatch(c.text, /from-trailer/);
    });

    it('a 101 answer cannot plant the session cookie or identity headers either', async () => {
      const c = client().send(
        'GET /ws HTTP/1.1\r\nHost: wsplant.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      );
      const r = await c.response();
      assert.equal(r.status, 101);
      assert.equal(r.headers.get('set-cookie'), undefined);
      assert.equal(r.headers.get('x-gatehouse-user'), undefined);
    });
  });

  describe('framing: the client always gets one well-framed answer, never another’s', () => {
    it('two different Content-Length values: 502 with a code, and the client connection stays usable', async () => {
      const c = client().send(get('dupcl.test'));
      const r = await c.response();
      assertCatalogued(r, 502, 'ERR_UPSTREAM_PROTOCOL');
      c.text = '';
      c.send(get('redirect.test'));
      assert.equal((await c.response()).status, 302);
    });

    it('two equal Content-Length values: refused with 502, never relayed with two length headers', async () => {
      assertCatalogued(await once1('dupclsame'), 502, 'ERR_UPSTREAM_PROTOCOL');
    });

    it('Content-Length with Transfer-Encoding: 502 with a code (an ambiguous length is not relayed)', async () => {
      assertCatalogued(await once1('clte'), 502, 'ERR_UPSTREAM_PROTOCOL');
    });

    it('an unrequested answer in the same write: the client gets the first, the next request its own', async () => {
      const first = await once1('overrun');
      assert.equal(first.body, 'hello');
      for (let i = 0; i < 3; i++) {
        const r = await once1('overrun', `/next-${i}`);
        assert.equal(r.status, 200);
        assert.equal(r.body, `answer/next-${i}`, `another client got ${JSON.stringify(r.body)}`);
      }
    });

    it('an unrequested answer on an idle pooled connection: that connection is dropped, the next request gets its own answer', async () => {
      const up = ups.get('lateoverrun')!;
      const first = await once1('lateoverrun');
      assert.equal(first.body, 'answer-0');
      const socket = up.sockets.at(-1)!;
      const closed = once(socket, 'close');
      socket.write(http200('SMUGGLED'));
      await closed; // Gatehouse (undici) refused bytes nobody asked for
      const r = await once1('lateoverrun', '/next');
      assert.equal(r.status, 200);
      assert.match(r.body, /^answer-\d+$/);
    });

    for (const [name, what] of [
      ['nocontent', '204 with a Content-Length and bytes after it'],
      ['notmodified', '304 followed by bytes'],
    ] as const) {
      it(`${what}: no body to the client, and the bytes never become another answer`, async () => {
        const c = client().send(get(`${name}.test`, '/first'));
        const r = await c.response();
        assert.ok(r.status === 204 || r.status === 304);
        await c.read((t) => t.includes('SMUGGLED'), 200);
        assert.doesNotMatch(c.text, /SMUGGLED/);
        for (let i = 0; i < 3; i++) assert.equal((await once1(name, `/again-${i}`)).body, 'second');
      });
    }

    it('a HEAD answer with a body: the client gets headers only; the body never becomes another answer', async () => {
      const c = client().send('HEAD / HTTP/1.1\r\nHost: headbody.test\r\n\r\n');
      const r = await c.response(true);
      assert.equal(r.status, 200);
      await c.read((t) => t.includes('SMUGGLED'), 200);
      assert.doesNotMatch(c.text, /SMUGGLED/);
      for (let i = 0; i < 3; i++) assert.equal((await once1('headbody', `/again-${i}`)).body, 'second');
    });

    it('a body shorter than its Content-Length, then close: the client sees a cut answer, never a clean end', async () => {
      const res = await request(`${gh.url}/`, { headers: { host: 'short.test' } });
      await assert.rejects(res.body.text());
    });

    it('a chunked body cut before its last chunk: the client sees a cut answer, never a clean end', async () => {
      const res = await request(`${gh.url}/`, { headers: { host: 'shortchunked.test' } });
      await assert.rejects(res.body.text());
    });

    it('a bad chunk size: no complete 200 reaches the client and its connection is closed', async () => {
      const c = client().send(get('badchunk.test'));
      await c.read(() => false, 2_000);
      assert.ok(c.closed, 'the connection was left open after a broken answer');
      const r = firstResponse(c.text);
      if (r) assert.notEqual(r.status, 200, 'a broken chunked answer was delivered as complete');
    });

    it('Transfer-Encoding: gzip, chunked: never relayed as if the gzip-coded bytes were the body', async () => {
      const c = client().send(get('gzipte.test'));
      const r = await c.response();
      if (r.status === 200) {
        // relayed: the transfer coding must still be declared (as Content-Encoding or Transfer-Encoding)
        const declared = [
          ...(r.headers.get('transfer-encoding') ?? []),
          ...(r.headers.get('content-encoding') ?? []),
        ];
        assert.ok(
          declared.some((v) => /gzip/i.test(v)),
          'gzip-coded bytes reached the client as an identity body',
        );
      } else assertCatalogued(r, 502, 'ERR_UPSTREAM_PROTOCOL');
    });

    it('an answer before the request body is sent: the client gets it; the rest of its body is never read as a request', async () => {
      const up = ups.get('early')!;
      const hidden = 'GET /smuggled HTTP/1.1\r\nHost: early.test\r\n\r\n';
      const body = hidden.repeat(2_000); // ~100 KB, more than the socket buffers take at once
      const c = client().send(
        `POST /upload HTTP/1.1\r\nHost: early.test\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 100)}`,
      );
      const r = await c.response();
      assert.equal(r.body, 'early answer');
      c.text = '';
      c.send(body.slice(100));
      c.send(get('early.test', '/after'));
      const text = await c.read((t) => firstResponse(t) !== undefined, 2_000);
      const next = firstResponse(text);
      if (next) assert.equal(next.body, 'answer/after');
      else
        assert.ok(
          c.closed,
          `the connection hangs after an early answer: ${JSON.stringify(text.slice(0, 200))}`,
        );
      assert.ok(!up.heads.some((h) => pathOf(h) === '/smuggled'), 'a request hidden in a body was forwarded');
    });

    it('an HTTP/1.0 body delimited by close: relayed whole, re-framed, the client connection kept', async () => {
      const c = client().send(get('http10.test'));
      const r = await c.response();
      assert.equal(r.status, 200);
      assert.equal(r.body, 'body until close');
      c.text = '';
      c.send(get('redirect.test'));
      assert.equal((await c.response()).status, 302);
    });

    it('Connection: close from the upstream is its own: the client keeps its connection, the next request gets a new upstream one', async () => {
      const c = client().send(get('close.test'));
      const r1 = await c.response();
      assert.equal(r1.body, 'closed-0');
      assert.doesNotMatch(String(r1.headers.get('connection')), /close/i);
      c.text = '';
      c.send(get('close.test'));
      const r2 = await c.response();
      assert.equal(r2.body, 'closed-0'); // nth restarts: a fresh upstream connection
      assert.ok(ups.get('close')!.sockets.length >= 2);
    });
  });

  describe('interim, upgrade and odd status answers', () => {
    it('103 Early Hints and 102 before the answer: the client gets the final 200 and its body', async () => {
      const r = await once1('earlyhints');
      assert.equal(r.status, 200);
      assert.equal(r.body, 'final answer');
    });

    it('103 and then silence: 504 ERR_UPSTREAM_TIMEOUT', async () => {
      assertCatalogued(await once1('hintsthensilence'), 504, 'ERR_UPSTREAM_TIMEOUT');
    });

    it('an unsolicited 100 Continue: a catalogued 502, or the final answer', async () => {
      const r = await once1('continue');
      if (r.status === 200) assert.equal(r.body, 'after continue');
      else assertCatalogued(r, 502);
    });

    it('101 to a request that asked for no upgrade (h2c): 502, no tunnel, the bytes after it never reach the client', async () => {
      const c = client().send(get('h2c.test'));
      const r = await c.response();
      assertCatalogued(r, 502);
      assert.doesNotMatch(c.text, /101 Switching|PRI \* HTTP\/2/);
    });

    it('status 099: a catalogued 502 with a code that says the answer was invalid', async () => {
      assertCatalogued(await once1('status99'), 502, 'ERR_UPSTREAM_PROTOCOL');
    });

    it('status 600: relayed as sent (RFC 9110 §15: a client reads an invalid status as a 5xx), still serving', async () => {
      const r = await once1('status600');
      assert.equal(r.status, 600);
      assert.equal(r.body, 'ok');
    });

    for (const name of ['nul', 'barecr', 'folded']) {
      it(`a header with ${name === 'nul' ? 'NUL' : name === 'barecr' ? 'a bare CR' : 'obs-fold'}: refused with 502, nothing injected`, async () => {
        const c = client().send(get(`${name}.test`));
        const r = await c.response();
        assertCatalogued(r, 502, 'ERR_UPSTREAM_PROTOCOL');
        assert.doesNotMatch(c.text, /injected=1/);
      });
    }

    it('a response head over the header limit (80 KB): 502 ERR_UPSTREAM_PROTOCOL', async () => {
      assertCatalogued(await once1('hugehead'), 502, 'ERR_UPSTREAM_PROTOCOL');
    });

    it('a redirect to another host is relayed unchanged (the upstream’s Location is its own)', async () => {
      const r = await once1('redirect');
      assert.equal(r.status, 302);
      assert.deepEqual(r.headers.get('location'), ['https://evil.example/steal']);
    });
  });

  describe('time limits', () => {
    it('an upstream that never answers: 504 ERR_UPSTREAM_TIMEOUT after headersMs', async () => {
      const started = performance.now();
      const r = await once1('never');
      assertCatalogued(r, 504, 'ERR_UPSTREAM_TIMEOUT');
      assert.ok(performance.now() - started < HEADERS_MS + 1_500);
    });

    it('a body that trickles forever (each byte within idleMs) is cut at totalMs', async () => {
      const started = performance.now();
      const res = await request(`${gh.url}/`, { headers: { host: 'trickle.test' } });
      assert.equal(res.statusCode, 200);
      await assert.rejects(res.body.text());
      const ms = performance.now() - started;
      assert.ok(ms < 3_000, `cut after ${Math.round(ms)} ms`);
    });
  });

  describe('backpressure: a client that does not read makes Gatehouse stop reading', () => {
    it('100 MB to a client that reads nothing: the upstream is held back, then everything arrives', async () => {
      const TOTAL = 100 * MB;
      let written = 0;
      let finished = false;
      const up = await rawUpstream((s) => {
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${TOTAL}\r\n\r\n`);
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        const pump = () => {
          while (written < TOTAL) {
            written += chunk.length;
            if (!s.write(chunk)) {
              s.once('drain', pump);
              return;
            }
          }
          finished = true;
        };
        pump();
        return undefined;
      });
      const g2 = await startGatehouse({
        routes: [
          {
            id: 'flood',
            match: { host: 'flood.test', path: '/' },
            upstream: up.url,
            public: true,
            timeouts: { idleMs: IDLE_MS },
          },
        ],
      });
      const c = new net.Socket();
      try {
        c.connect(g2.port, '127.0.0.1');
        c.on('error', () => {});
        c.pause();
        c.write('GET / HTTP/1.1\r\nHost: flood.test\r\n\r\n');
        // wait until the upstream's writes stop progressing (all buffers between are full)
        let last = -1;
        for (let i = 0; i < 100 && written !== last; i++) {
          last = written;
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.ok(!finished, 'the upstream wrote all 100 MB while the client read nothing');
        assert.ok(
          written < 48 * MB,
          `${Math.round(written / MB)} MB left the upstream while the client read nothing`,
        );
        // longer than idleMs: a paused client is not an idle upstream
        let got = 0;
        c.on('data', (d: Buffer) => {
          got += d.length;
        });
        const ended = once(c, 'close');
        c.resume();
        const until = performance.now() + 20_000;
        while (got < TOTAL && performance.now() < until && !c.destroyed)
          await new Promise((r) => setTimeout(r, 50));
        assert.ok(got > TOTAL, `the client got ${got} of ${TOTAL} bytes`);
        c.destroy();
        await ended;
      } finally {
        c.destroy();
        await g2.close();
        await up.close();
      }
    });
  });

  describe('WebSocket tunnels', () => {
    function upgrade(name: string): string {
      return (
        `GET /ws HTTP/1.1\r\nHost: ${name}.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'
      );
    }

    it('a 101 with a wrong Sec-WebSocket-Accept: a real client refuses the connection, Gatehouse stays up', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${gh.port}/ws`, { headers: { host: 'wsbadaccept.test' } });
      const [err] = (await once(ws, 'error')) as [Error];
      assert.match(err.message, /Sec-WebSocket-Accept/);
      assert.equal((await once1('redirect')).status, 302);
    });

    it('a 101 switching a WebSocket request to h2c: not relayed (502), no raw tunnel', async () => {
      const c = client().send(upgrade('wsh2c').replace('\r\n\r\n', '\r\nAccept: application/json\r\n\r\n'));
      const r = await c.response();
      assertCatalogued(r, 502);
    });

    it('the first frame in the same packet as the 101, then the upstream closes: the client gets the frame and the close', async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${gh.port}/ws`, { headers: { host: 'wsfirstframe.test' } });
      const [data] = (await once(ws, 'message')) as [Buffer];
      assert.equal(data.toString(), 'hello in the same packet');
      const [code] = (await once(ws, 'close')) as [number];
      assert.ok(code === 1000 || code === 1006, `close code ${code}`);
    });

    it('a client that never reads while the upstream floods the tunnel: the upstream is held back', async () => {
      let written = 0;
      const MAX = 200 * MB;
      const up = await rawUpstream((s, head) => {
        const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1] ?? '';
        s.write(
          'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            `Sec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`,
        );
        // 64 KB binary frames (127-length form), as fast as the tunnel takes them
        const payload = 64 * 1024;
        const frame = Buffer.alloc(10 + payload, 0x62);
        frame[0] = 0x82;
        frame[1] = 127;
        frame.writeBigUInt64BE(BigInt(payload), 2);
        const pump = () => {
          while (written < MAX && !s.destroyed) {
            written += frame.length;
            if (!s.write(frame)) {
              s.once('drain', pump);
              return;
            }
          }
        };
        pump();
        return 'takeover';
      });
      const g2 = await startGatehouse({
        routes: [
          { id: 'wsflood', match: { host: 'wsflood.test', path: '/' }, upstream: up.url, public: true },
        ],
      });
      const c = new net.Socket();
      try {
        c.on('error', () => {});
        c.connect(g2.port, '127.0.0.1');
        c.pause();
        c.write(upgrade('wsflood'));
        let last = -1;
        for (let i = 0; i < 100 && written !== last; i++) {
          last = written;
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.ok(written > 0, 'the tunnel never opened');
        assert.ok(
          written < 48 * MB,
          `${Math.round(written / MB)} MB left the upstream while the client read nothing`,
        );
      } finally {
        c.destroy();
        await g2.close();
        await up.close();
      }
    });
  });

  it('a client flooding a tunnel whose upstream never reads: the client is held back', async () => {
    const up = await rawUpstream((s, head) => {
      const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1] ?? '';
      s.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`,
      );
      s.pause(); // never reads the tunnel
      return 'takeover';
    });
    const g2 = await startGatehouse({
      routes: [{ id: 'wsdeaf', match: { host: 'wsdeaf.test', path: '/' }, upstream: up.url, public: true }],
    });
    const ws = new WebSocket(`ws://127.0.0.1:${g2.port}/ws`, { headers: { host: 'wsdeaf.test' } });
    try {
      await once(ws, 'open');
      // ping frames with a 125-byte payload, as fast as the socket drains
      const ping = Buffer.alloc(125, 0x70);
      let sent = 0;
      let last = -1;
      for (let i = 0; i < 100 && sent !== last; i++) {
        last = sent;
        while (ws.bufferedAmount < 1 * MB && sent < 400 * MB) {
          ws.ping(ping);
          sent += ping.length;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const through = sent - ws.bufferedAmount;
      assert.ok(
        through < 48 * MB,
        `${Math.round(through / MB)} MB of pings were taken while the upstream read nothing`,
      );
    } finally {
      ws.terminate();
      await g2.close();
      await up.close();
    }
  });

  it('after all of it: Gatehouse still serves, and no answer leaked internals', async () => {
    const r = await once1('redirect');
    assert.equal(r.status, 302);
    for (const c of clients) assert.doesNotMatch(c.text, /\bat .*\.ts:\d+|node:internal|UND_ERR|HPE_/);
  });
});
