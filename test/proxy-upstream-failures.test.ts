import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import type { ServerResponse } from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { metricValue, scrapeMetrics } from './helpers/metrics.ts';
import { deadPort } from './helpers/raw-http.ts';
import { type RunningGatehouse, startGatehouse, startUpstream, type Upstream } from './helpers/servers.ts';

// Not covered: the connect timeout (timeouts.connectMs). On loopback a connect either succeeds
// or is refused at once; provoking a SYN that is never answered needs a blackhole address or
// firewall rules, which these tests do not have.

const HEADERS_MS = 200;
const IDLE_MS = 200;

/** A raw TCP "upstream" that answers every request with the given bytes, then closes. */
async function startRawUpstream(answer: string): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let seen = '';
    socket.on('data', (d) => {
      seen += d.toString('latin1');
      if (seen.includes('\r\n\r\n')) socket.end(answer);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe('proxy: upstream failures', { timeout: 20_000 }, () => {
  let gh: RunningGatehouse;
  let slow: Upstream;
  let reset: Upstream;
  let rst: Upstream;
  let stall: Upstream;
  let malformed: Awaited<ReturnType<typeof startRawUpstream>>;
  let garbage: Awaited<ReturnType<typeof startRawUpstream>>;
  let hold: Upstream;
  const held: ServerResponse[] = [];
  const holdEvents = new EventEmitter();

  before(async () => {
    const dead = await deadPort();
    slow = await startUpstream((_req, res) => {
      held.push(res); // never answered
    });
    reset = await startUpstream((req) => {
      req.socket.destroy();
    });
    rst = await startUpstream((req) => {
      req.socket.resetAndDestroy();
    });
    stall = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
      res.write('first 20 bytes .....');
      held.push(res); // the other 980 bytes never come
    });
    hold = await startUpstream((req, res) => {
      held.push(res);
      holdEvents.emit('arrived');
      req.on('close', () => holdEvents.emit('closed'));
    });
    malformed = await startRawUpstream('HTTP/1.1 abc Weird\r\ncontent-length: 0\r\n\r\n');
    garbage = await startRawUpstream('SSH-2.0-OpenSSH_9.6\r\n\r\n');
    const route = (id: string, upstream: string) => ({
      id,
      match: { host: `${id}.test`, path: '/' },
      upstream,
      public: true,
      timeouts: { headersMs: HEADERS_MS, idleMs: IDLE_MS },
    });
    gh = await startGatehouse({
      routes: [
        route('dead', `http://127.0.0.1:${dead}`),
        route('slow', slow.url),
        route('reset', reset.url),
        route('rst', rst.url),
        route('stall', stall.url),
        route('malformed', malformed.url),
        route('garbage', garbage.url),
        { ...route('hold', hold.url), timeouts: { headersMs: 30_000 } },
        // an upstream whose connection pool cannot be built (its CA file is missing)
        {
          ...route('broken', `https://127.0.0.1:${dead}`),
          upstream: { url: `https://127.0.0.1:${dead}`, tls: { caFile: '/nonexistent/ca.pem' } },
        },
      ],
    });
  });
  after(async () => {
    await gh.close();
    for (const res of held) res.destroy();
    await Promise.all([
      hold.close(),
      slow.close(),
      reset.close(),
      rst.close(),
      stall.close(),
      malformed.close(),
      garbage.close(),
    ]);
  });

  async function get(host: string) {
    const started = performance.now();
    const res = await request(`${gh.url}/some/path`, { headers: { host, accept: 'application/json' } });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, ms: performance.now() - started };
  }

  /** The error body: the catalogue code and message, the request id, and nothing internal. */
  function assertCleanError(r: Awaited<ReturnType<typeof get>>, status: number, code: string): void {
    assert.equal(r.status, status, r.text);
    const body = JSON.parse(r.text) as { error: string; requestId: string; message: string; status: number };
    assert.equal(body.error, code);
    assert.equal(body.status, status);
    assert.match(String(r.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    assert.equal(body.requestId, r.headers['x-request-id']);
    assert.doesNotMatch(r.text, /ECONNREFUSED|ECONNRESET|UND_ERR|HPE_|127\.0\.0\.1|\bat .*:\d+|Error:/);
  }

  async function upstreamErrors(route: string, code: string): Promise<number> {
    return (
      metricValue(await scrapeMetrics(gh.adminUrl), 'gatehouse_upstream_errors_total', { route, code }) ?? 0
    );
  }

  it('answers 503 ERR_UPSTREAM_UNAVAILABLE when nothing listens on the upstream port', async () => {
    const r = await get('dead.test');
    assertCleanError(r, 503, 'ERR_UPSTREAM_UNAVAILABLE');
    assert.equal(await upstreamErrors('dead', 'ERR_UPSTREAM_UNAVAILABLE'), 1);
  });

  it('answers 504 ERR_UPSTREAM_TIMEOUT when the upstream sends no headers within headersMs', async () => {
    const r = await get('slow.test');
    assertCleanError(r, 504, 'ERR_UPSTREAM_TIMEOUT');
    assert.ok(r.ms >= HEADERS_MS * 0.9, `answered after ${r.ms} ms, before the timeout`);
    assert.ok(r.ms < HEADERS_MS + 1_500, `answered after ${r.ms} ms`);
    assert.equal(await upstreamErrors('slow', 'ERR_UPSTREAM_TIMEOUT'), 1);
  });

  it('answers 502 ERR_UPSTREAM_RESET when the upstream closes the connection instead of answering', async () => {
    const r = await get('reset.test');
    assertCleanError(r, 502, 'ERR_UPSTREAM_RESET');
    assert.equal(await upstreamErrors('reset', 'ERR_UPSTREAM_RESET'), 1);
  });

  it('answers 502 ERR_UPSTREAM_RESET when the upstream resets the connection (RST)', async () => {
    const r = await get('rst.test');
    assertCleanError(r, 502, 'ERR_UPSTREAM_RESET');
    assert.equal(await upstreamErrors('rst', 'ERR_UPSTREAM_RESET'), 1);
  });

  it('cuts the client connection when the upstream stalls mid-body beyond idleMs', async () => {
    const res = await request(`${gh.url}/`, { headers: { host: 'stall.test' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-length'], '1000');
    await assert.rejects(res.body.text(), 'the client must see an incomplete response, not a clean end');
    assert.equal(await upstreamErrors('stall', 'ERR_UPSTREAM_TIMEOUT'), 1);
  });

  it('answers 502 ERR_UPSTREAM_PROTOCOL for a malformed status line', async () => {
    const r = await get('malformed.test');
    assertCleanError(r, 502, 'ERR_UPSTREAM_PROTOCOL');
    assert.equal(await upstreamErrors('malformed', 'ERR_UPSTREAM_PROTOCOL'), 1);
  });

  it('answers 502 ERR_UPSTREAM_PROTOCOL when the upstream does not speak HTTP', async () => {
    const r = await get('garbage.test');
    assertCleanError(r, 502, 'ERR_UPSTREAM_PROTOCOL');
    assert.equal(await upstreamErrors('garbage', 'ERR_UPSTREAM_PROTOCOL'), 1);
  });

  it('keeps serving after every failure: the same routes fail the same way again', async () => {
    assertCleanError(await get('dead.test'), 503, 'ERR_UPSTREAM_UNAVAILABLE');
    assertCleanError(await get('malformed.test'), 502, 'ERR_UPSTREAM_PROTOCOL');
    assert.equal(await upstreamErrors('dead', 'ERR_UPSTREAM_UNAVAILABLE'), 2);
  });

  it('survives a client that disconnects while waiting, cancels the upstream request, and counts no upstream error', async () => {
    const arrived = once(holdEvents, 'arrived');
    const upstreamClosed = once(holdEvents, 'closed');
    const client = net.connect(gh.port, '127.0.0.1');
    client.on('error', () => {});
    client.write('GET /wait HTTP/1.1\r\nHost: hold.test\r\n\r\n');
    await arrived;
    client.destroy();
    await upstreamClosed; // Gatehouse gave up the upstream request when the client left
    assertCleanError(await get('dead.test'), 503, 'ERR_UPSTREAM_UNAVAILABLE'); // still serving
    const metrics = await scrapeMetrics(gh.adminUrl);
    assert.equal(metricValue(metrics, 'gatehouse_upstream_errors_total', { route: 'hold' }), undefined);
  });

  it('answers 500 ERR_INTERNAL, without the cause, when the upstream pool cannot be built', async () => {
    const r = await get('broken.test');
    assertCleanError(r, 500, 'ERR_INTERNAL');
    assert.doesNotMatch(r.text, /ENOENT|nonexistent|ca\.pem/);
  });
});
