/**
 * LeanHttpServer on real sockets (127.0.0.1): kept-alive and pipelined checks answered in
 * order, hand-over to a real node:http server with every unserved byte intact, the head and
 * idle deadlines, draining for shutdown, in-flight accounting, and an invalid answer header.
 * Every assertion is on the bytes the client receives.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { LeanHead } from './head.ts';
import type { LeanResponse } from './response.ts';
import { LeanHttpServer, type LeanServerOptions } from './server.ts';

const MAX = 8_192;

interface Harness {
  readonly port: number;
  readonly lean: LeanHttpServer;
  /** Sockets given to node:http. */
  readonly handedOver: Socket[];
  /** Checks begun / finished (begin() and its done). */
  readonly counts: { begun: number; done: number };
  close(): Promise<void>;
}

type Serve = LeanServerOptions['serve'];

/** Answer 200 with the target echoed in `x-url`, or decline `/decline`. */
const echo: Serve = (head, _socket, res) => {
  if (head.url === '/decline') return false;
  answer(res, head);
  return true;
};

function answer(res: LeanResponse, head: LeanHead, extra: string[] = []): void {
  const body = `lean ${head.method} ${head.url}`;
  res.writeHead(200, [
    'x-url',
    head.url,
    'x-served-by',
    'lean',
    ...extra,
    'content-length',
    String(body.length),
  ]);
  res.end(body);
}

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

/** A lean engine on a real TCP port, handing over to a real (not listening) node:http server. */
async function harness(o: Partial<Omit<LeanServerOptions, 'begin'>> = {}): Promise<Harness> {
  const node = http.createServer({ maxHeaderSize: MAX, joinDuplicateHeaders: false }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = `node ${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`;
      res.writeHead(200, { 'x-served-by': 'node', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  const counts = { begun: 0, done: 0 };
  const lean = new LeanHttpServer({
    maxHeaderBytes: MAX,
    headersTimeoutMs: 5_000,
    idleTimeoutMs: 5_000,
    serve: echo,
    ...o,
    begin: () => {
      counts.begun++;
      return () => {
        counts.done++;
      };
    },
  });
  const handedOver: Socket[] = [];
  const tcp = net.createServer((socket) =>
    lean.accept(socket, (s) => {
      handedOver.push(s);
      node.emit('connection', s);
    }),
  );
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  const h: Harness = {
    port: (tcp.address() as AddressInfo).port,
    lean,
    handedOver,
    counts,
    close: async () => {
      lean.closeAll();
      node.closeAllConnections();
      for (const s of handedOver) s.destroy();
      await new Promise<void>((r) => tcp.close(() => r()));
    },
  };
  open.push(h);
  return h;
}

interface Response {
  readonly statusLine: string;
  /** Lower-case names, in order, every copy. */
  readonly headers: [string, string][];
  readonly body: string;
  header(name: string): string | undefined;
}

/** A raw TCP client: what it receives, parsed into responses as they complete. */
class Client {
  readonly socket: Socket;
  #received = Buffer.alloc(0);
  #ended = false;
  #waiters: (() => void)[] = [];
  readonly closed: Promise<void>;

  constructor(port: number, allowHalfOpen = false) {
    this.socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen });
    this.socket.on('data', (c: Buffer) => {
      this.#received = Buffer.concat([this.#received, c]);
      this.#wake();
    });
    this.socket.on('error', () => {});
    this.closed = new Promise((r) =>
      this.socket.on('close', () => {
        this.#ended = true;
        this.#wake();
        r();
      }),
    );
    this.socket.on('end', () => {
      this.#ended = true;
      this.#wake();
    });
  }

  static async connect(port: number, allowHalfOpen = false): Promise<Client> {
    const c = new Client(port, allowHalfOpen);
    await new Promise<void>((r, j) => {
      c.socket.once('connect', r);
      c.socket.once('error', j);
    });
    return c;
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  write(s: string | Buffer): void {
    this.socket.write(s);
  }

  /** Everything received so far (latin1). */
  get text(): string {
    return this.#received.toString('latin1');
  }

  /** The server closed its side (end or close). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Wait (bounded) until `n` responses are complete; `bodiless` lists answers to HEAD. */
  async responses(n: number, bodiless: number[] = [], timeoutMs = 3_000): Promise<Response[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = parseResponses(this.text, bodiless);
      if (parsed.length >= n) return parsed.slice(0, n);
      if (this.#ended)
        assert.fail(`connection ended after ${parsed.length} of ${n} responses:\n${this.text}`);
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`${parsed.length} of ${n} responses in ${timeoutMs} ms:\n${this.text}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Wait (bounded) until the server ends the connection. */
  async end(timeoutMs = 3_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#ended) {
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`the connection is still open after ${timeoutMs} ms:\n${this.text}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function parseResponses(text: string, bodiless: number[]): Response[] {
  const out: Response[] = [];
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end === -1) break;
    const [statusLine = '', ...lines] = text.slice(at, end).split('\r\n');
    const headers = lines.map((l): [string, string] => {
      const colon = l.indexOf(':');
      return [l.slice(0, colon).toLowerCase(), l.slice(colon + 1).trim()];
    });
    const length = bodiless.includes(out.length)
      ? 0
      : Number(headers.find(([k]) => k === 'content-length')?.[1] ?? 0);
    if (text.length < end + 4 + length) break;
    const body = text.slice(end + 4, end + 4 + length);
    out.push({
      statusLine,
      headers,
      body,
      header: (name) => headers.find(([k]) => k === name)?.[1],
    });
    at = end + 4 + length;
  }
  return out;
}

const get = (url: string, extra = '') => `GET ${url} HTTP/1.1\r\nHost: a.test\r\n${extra}\r\n`;

/** Wait (bounded) for a condition that another socket event makes true. */
async function until(what: string, ok: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await delay(5);
  }
}

describe('LeanHttpServer: kept-alive checks', () => {
  it('several requests on one connection, each answered by the lean engine', async () => {
    const h = await harness();
    const c = await Client.connect(h.port);
    for (const [i, url] of ['/a', '/b?x=1', '/c'].entries()) {
      c.write(get(url));
      const r = (await c.responses(i + 1))[i]!;
      assert.equal(r.statusLine, 'HTTP/1.1 200 OK');
      assert.equal(r.header('x-url'), url);
      assert.equal(r.header('x-served-by'), 'lean');
      assert.equal(r.header('connection'), undefined, 'kept alive');
      assert.match(r.header('date') ?? '', /GMT$/);
      assert.equal(r.body, `lean GET ${url}`);
    }
    assert.equal(c.ended, false);
    assert.equal(h.handedOver.length, 0);
    assert.equal(h.lean.size, 1);
    assert.deepEqual(h.counts, { begun: 3, done: 3 });
  });

  it('pipelined requests in one write are answered in order', async () => {
    const h = await harness();
    const c = await Client.connect(h.port);
    const urls = ['/1', '/2', '/3', '/4', '/5'];
    c.write(urls.map((u) => get(u)).join(''));
    const rs = await c.responses(urls.length);
    assert.deepEqual(
      rs.map((r) => r.header('x-url')),
      urls,
    );
    assert.equal(h.handedOver.length, 0);
  });

  it('a head split across writes is served once complete', async () => {
    const h = await harness();
    const c = await Client.connect(h.port);
    const req = get('/split', 'X-A: b\r\n');
    for (const part of [req.slice(0, 3), req.slice(3, 20), req.slice(20, -1)]) {
      c.write(part);
      await delay(10);
      assert.equal(c.text, '', 'nothing answered before the head is complete');
    }
    c.write(req.slice(-1));
    assert.equal((await c.responses(1))[0]!.header('x-url'), '/split');
  });

  it('HEAD gets the head (with its content-length) and no body', async () => {
    const h = await harness();
    const c = await Client.connect(h.port);
    c.write(`HEAD /h HTTP/1.1\r\nHost: a.test\r\n\r\n${get('/after')}`);
    const [head, next] = await c.responses(2, [0]);
    assert.equal(head!.header('content-length'), String('lean HEAD /h'.length));
    assert.equal(head!.body, '');
    // the next response starts right after the HEAD answer's blank line
    assert.equal(next!.header('x-url'), '/after');
    assert.ok(!c.text.includes('lean HEAD'), c.text);
  });

  it('Connection: close is answered with connection: close, then the connection ends', async () => {
    const h = await harness();
    const c = await Client.connect(h.port);
    c.write(get('/bye', 'Connection: close\r\n') + get('/never'));
    const [r] = await c.responses(1);
    assert.equal(r!.header('connection'), 'close');
    await c.end();
    assert.equal(parseResponses(c.text, []).length, 1, 'the request after close is not served');
    await until('the server to forget the connection', () => h.lean.size === 0);
  });

  it('after a close answer, a peer that keeps sending is not buffered forever', async () => {
    const h = await harness();
    const c = await Client.connect(h.port, true);
    c.write(get('/bye', 'Connection: close\r\n'));
    await c.responses(1);
    await c.end();
    // a client that half-closes nothing and keeps writing: the server must drop the connection
    for (let i = 0; i < 20 && !c.socket.destroyed; i++) {
      c.write(Buffer.alloc(16_384, 0x61));
      await delay(5);
    }
    await until('the server to release the connection', () => h.lean.size === 0, 2_000);
  });
});

describe('LeanHttpServer: hand-over to node:http', () => {
  it('a request with a body (Content-Length) is answered by node:http with the body intact', async () => {
    const h = await harness();
    const c = await Client.connect(h.port);
    c.write('POST /p HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\n\r\nhello');
    const [r] = await c.responses(1);
    assert.equal(r!.header('x-served-by'), 'node');
    assert.equal(r!.body, 'node POST /p hello');
    assert.equal(h.handedOver.length, 1);
    assert.equal(h.lean.size, 0, 'the lean engine no longer holds it');
    assert.deepEqual(h.counts, { begun: 0, done: 0 });
  });

  it('a chunked request is answered by node:http with the body intact', async () => {
    const h = await harness();
    const c = await Client.connect(h.port);
    c.write('POST /c HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
    await delay(20);
    c.write('6\r\n world\r\n0\r\n\r\n');
    const [r] = await c.responses(1);
    assert.equal(r!.body, 'node POST /c hello world');
  });

  it('lean-served requests, then a body in the same write: answers in order, body intact, node:http keeps the rest', async () => {
    const h = await harness();
    const c = await Client.connect(h.port);
    c.write(
      get('/one') +
        get('/two') +
        'PUT /up HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\n\r\nabcde' +
        get('/three'),
    );
    const rs = await c.responses(4);
    assert.deepEqual(
      rs.map((r) => [r.header('x-served-by'), r.body]),
      [
        ['lean', 'lean GET /one'],
        ['lean', 'lean GET /two'],
        ['node', 'node PUT /up abcde'],
        ['node', 'node GET /three '],
      ],
    );
    assert.deepEqual(h.counts, { begun: 2, done: 2 });
  });

  it('after lean-served requests, a body arriving in later writes reaches node:http intact', async () => {
    const h = await harness();
    const c = await Client.connect(h.port);
    c.write(get('/first'));
    await c.responses(1);
    c.write('POST /later HTTP/1.1\r\nHost: a.test\r\nContent-Length: 11\r\n');
    await delay(10);
    c.write('\r\nhel');
    await delay(10);
    c.write('lo world');
    await delay(10);
    c.write(get('/next'));
    const rs = await c.responses(3);
    assert.equal(rs[1]!.body, 'node POST /later hello world');
    assert.equal(rs[2]!.body, 'node GET /next ');
  });

  it('a declined request is answered by node:http (and counted in and out)', async () => {
    const h = await harness();
    const c = await Client.connect(h.port);
    c.write(get('/ok') + get('/decline') + get('/then'));
    const rs = await c.responses(3);
    assert.deepEqual(
      rs.map((r) => r.body),
      ['lean GET /ok', 'node GET /decline ', 'node GET /then '],
    );
    assert.equal(h.counts.begun, h.counts.done);
  });

  it('a serve that throws before answering hands the request to node:http', async () => {
    const h = await harness({
      serve: () => {
        throw new Error('boom');
      },
    });
    const c = await Client.connect(h.port);
    c.write(get('/x'));
    const [r] = await c.responses(1);
    assert.equal(r!.body, 'node GET /x ');
    assert.equal(h.counts.begun, h.counts.done);
  });

  it('shapes outside the subset (HTTP/1.0, Expect, oversized head) get node:http\u2019s answer', async () => {
    const h = await harness();
    const c10 = await Client.connect(h.port);
    c10.write('GET /old HTTP/1.0\r\nHost: a.test\r\n\r\n');
    assert.equal((await c10.responses(1))[0]!.body, 'node GET /old ');

    const expect = await Client.connect(h.port);
    expect.write('PUT /e HTTP/1.1\r\nHost: a.test\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n');
    const [cont] = await expect.responses(1);
    assert.equal(cont!.statusLine, 'HTTP/1.1 100 Continue');
    expect.write('abc');
    assert.equal((await expect.responses(2))[1]!.body, 'node PUT /e abc');

    const big = await Client.connect(h.port);
    big.write(`GET /big HTTP/1.1\r\nHost: a.test\r\nX-Big: ${'b'.repeat(MAX + 10)}\r\n\r\n`);
    await big.end();
    assert.match(big.text, /^HTTP\/1\.1 431 /);
    assert.equal(h.handedOver.length, 3);
  });
});

describe('LeanHttpServer: deadlines', () => {
  it('a head that does not complete within headersTimeoutMs gets 408 and close', async () => {
    const h = await harness({ headersTimeoutMs: 200 });
    const c = await Client.connect(h.port, true); // half-open: only the server can close it
    const start = Date.now();
    c.write('GET /slow HTTP/1.1\r\nHo');
    await c.end(2_000);
    assert.ok(Date.now() - start >= 190, `closed after ${Date.now() - start} ms`);
    assert.match(c.text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.match(c.text, /connection: close/i);
    assert.deepEqual(h.counts, { begun: 0, done: 0 });
    // the server drops the connection itself, even from a client that keeps sending
    for (let i = 0; i < 15 && !c.socket.destroyed; i++) {
      c.write('x'.repeat(1_000));
      await delay(20);
    }
    assert.equal(h.lean.size, 0, 'the connection is released');
  });

  it('a head trickled a byte at a time is cut at the deadline from its first byte', async () => {
    const h = await harness({ headersTimeoutMs: 200 });
    const c = await Client.connect(h.port);
    const start = Date.now();
    const req = get('/trickle', `X-Pad: ${'p'.repeat(200)}\r\n`);
    for (let i = 0; i < req.length && !c.ended; i++) {
      c.write(req[i]!);
      await delay(40);
    }
    assert.ok(c.ended, 'the trickle was cut');
    assert.match(c.text, /^HTTP\/1\.1 408 /);
    assert.ok(Date.now() - start < 1_000, `cut after ${Date.now() - start} ms`);
  });

  it('an idle kept-alive connection is closed after idleTimeoutMs', async () => {
    const h = await harness({ idleTimeoutMs: 200 });
    const c = await Client.connect(h.port);
    c.write(get('/once'));
    await c.responses(1);
    const answered = Date.now();
    await c.end(2_000);
    assert.ok(Date.now() - answered >= 190, `closed after ${Date.now() - answered} ms`);
    assert.equal(parseResponses(c.text, []).length, 1, 'nothing but the one answer');
    assert.ok(!c.text.includes('408'));
  });

  it('a check in flight is not idle: a slow answer is delivered after idleTimeoutMs', async () => {
    const h = await harness({
      idleTimeoutMs: 100,
      serve: (head, _s, res) => {
        setTimeout(() => answer(res, head), 250);
        return true;
      },
    });
    const c = await Client.connect(h.port);
    c.write(get('/slow'));
    const [r] = await c.responses(1);
    assert.equal(r!.header('x-url'), '/slow');
  });
});

describe('LeanHttpServer: asynchronous checks, accounting and draining', () => {
  /** A serve that holds `/hold*` answers until released, and echoes anything else at once. */
  function holding() {
    const held: { head: LeanHead; res: LeanResponse }[] = [];
    const serve: Serve = (head, socket, res) => {
      if (head.url.startsWith('/hold')) {
        held.push({ head, res });
        return true;
      }
      return echo(head, socket, res);
    };
    return { held, serve };
  }

  it('an async answer while the client pipelines a second request: answers stay in order', async () => {
    const h = await harness({
      serve: (head, _s, res) => {
        if (head.url === '/slow') setTimeout(() => answer(res, head), 50);
        else answer(res, head);
        return true;
      },
    });
    const c = await Client.connect(h.port);
    c.write(get('/slow') + get('/fast'));
    const rs = await c.responses(2);
    assert.deepEqual(
      rs.map((r) => r.header('x-url')),
      ['/slow', '/fast'],
    );
    // and when the second arrives in its own write while the first is in flight
    const hold = holding();
    const h2 = await harness({ serve: hold.serve });
    const c2 = await Client.connect(h2.port);
    c2.write(get('/hold'));
    await until('the check to start', () => hold.held.length === 1);
    c2.write(get('/fast'));
    await delay(20);
    assert.equal(c2.text, '', 'the second waits for the first');
    answer(hold.held[0]!.res, hold.held[0]!.head);
    const rs2 = await c2.responses(2);
    assert.deepEqual(
      rs2.map((r) => r.header('x-url')),
      ['/hold', '/fast'],
    );
  });

  it('many pipelined requests (more than maxHeaderBytes) behind a slow one are all answered in order', async () => {
    const hold = holding();
    const h = await harness({ serve: hold.serve });
    const c = await Client.connect(h.port);
    c.write(get('/hold'));
    await until('the check to start', () => hold.held.length === 1);
    const urls = Array.from({ length: 400 }, (_, i) => `/p${i}`);
    c.write(urls.map((u) => get(u)).join(''));
    await delay(20);
    answer(hold.held[0]!.res, hold.held[0]!.head);
    const rs = await c.responses(urls.length + 1);
    assert.deepEqual(
      rs.map((r) => r.header('x-url')),
      ['/hold', ...urls],
    );
  });

  it('begin() and its done are called once per served request', async () => {
    const hold = holding();
    const h = await harness({ serve: hold.serve });
    const c = await Client.connect(h.port);
    c.write(get('/a') + get('/b'));
    await c.responses(2);
    assert.deepEqual(h.counts, { begun: 2, done: 2 });
    c.write(get('/hold'));
    await until('the check to start', () => hold.held.length === 1);
    assert.deepEqual(h.counts, { begun: 3, done: 2 }, 'in flight until answered');
    answer(hold.held[0]!.res, hold.held[0]!.head);
    await c.responses(3);
    assert.deepEqual(h.counts, { begun: 3, done: 3 });
  });

  it('a client that disconnects mid-check: done once, and the late answer is harmless', async () => {
    const hold = holding();
    const h = await harness({ serve: hold.serve });
    const c = await Client.connect(h.port);
    c.write(get('/hold'));
    await until('the check to start', () => hold.held.length === 1);
    c.destroy();
    await until('done to be called', () => h.counts.done === 1);
    assert.equal(h.lean.size, 0);
    answer(hold.held[0]!.res, hold.held[0]!.head); // the check finishes after the client left
    await delay(10);
    assert.deepEqual(h.counts, { begun: 1, done: 1 });
  });

  it('closeIdle(): an idle connection closes now, a busy one finishes with connection: close', async () => {
    const hold = holding();
    const h = await harness({ serve: hold.serve });
    const idle = await Client.connect(h.port);
    idle.write(get('/done'));
    await idle.responses(1);
    const busy = await Client.connect(h.port);
    busy.write(get('/hold') + get('/queued'));
    await until('the check to start', () => hold.held.length === 1);
    assert.equal(h.lean.size, 2);

    h.lean.closeIdle();
    await idle.end();
    assert.equal(parseResponses(idle.text, []).length, 1, 'closed without another byte');
    await delay(20);
    assert.equal(busy.ended, false, 'the busy connection is left to finish');

    answer(hold.held[0]!.res, hold.held[0]!.head);
    const [r] = await busy.responses(1);
    assert.equal(r!.header('x-url'), '/hold');
    assert.equal(r!.header('connection'), 'close');
    await busy.end();
    assert.equal(parseResponses(busy.text, []).length, 1, 'the queued request is not served while draining');
    await until('every connection to go', () => h.lean.size === 0);
    assert.equal(h.counts.begun, h.counts.done);
  });

  it('closeAll() closes busy connections too, and counts their checks out', async () => {
    const hold = holding();
    const h = await harness({ serve: hold.serve });
    const c = await Client.connect(h.port);
    c.write(get('/hold'));
    await until('the check to start', () => hold.held.length === 1);
    h.lean.closeAll();
    await c.end();
    assert.equal(c.text, '');
    await until('done', () => h.counts.done === 1);
  });
});

describe('LeanHttpServer: an invalid answer header', () => {
  /** Like the check handler: a write that throws resets the connection (a deny to every peer). */
  const writeOrReset =
    (headers: string[]): Serve =>
    (_head, _s, res) => {
      try {
        res.writeHead(200, [...headers, 'content-length', '0']);
        res.end('');
      } catch {
        res.destroy();
      }
      return true;
    };

  for (const [name, headers] of [
    ['a value with CRLF', ['x-bad', 'ok\r\nx-injected: 1']],
    ['a value with a bare LF', ['x-bad', 'ok\nx-injected: 1']],
    ['a name with a space', ['x bad', 'v']],
    ['an empty name', ['', 'v']],
    ['a value with NUL', ['x-bad', 'a\0b']],
  ] as const) {
    it(`${name}: the connection is reset, nothing is sent`, async () => {
      const h = await harness({ serve: writeOrReset([...headers]) });
      const c = await Client.connect(h.port);
      c.write(get('/x'));
      await c.closed;
      assert.equal(c.text, '', 'no response, and so no injected header');
      assert.deepEqual(h.counts, { begun: 1, done: 1 });
    });
  }

  it('a long value checked once does not let a different long value through unchecked', async () => {
    const long = 'a'.repeat(400);
    const good = await harness({ serve: writeOrReset(['x-long', long]) });
    const c1 = await Client.connect(good.port);
    c1.write(get('/x'));
    const [r] = await c1.responses(1);
    assert.equal(r!.header('x-long'), long);
    // the same length, one CRLF in it: refused although a valid long value was just written
    const bad = await harness({
      serve: writeOrReset(['x-long', `${'a'.repeat(200)}\r\nx-injected: 1${'a'.repeat(185)}`]),
    });
    const c2 = await Client.connect(bad.port);
    c2.write(get('/x'));
    await c2.closed;
    assert.equal(c2.text, '');
  });

  it('a valid answer through the same serve still works (the test is not vacuous)', async () => {
    const h = await harness({ serve: writeOrReset(['x-good', 'v\tw']) });
    const c = await Client.connect(h.port);
    c.write(get('/x'));
    const [r] = await c.responses(1);
    assert.equal(r!.header('x-good'), 'v\tw');
  });
});
