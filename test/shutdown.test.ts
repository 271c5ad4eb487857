import assert from 'node:assert/strict';
import { once } from 'node:events';
import http, { type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { WebSocket, WebSocketServer } from 'ws';
import { type ChildGatehouse, spawnGatehouse } from './helpers/child.ts';
import { tempDir, testConfig, writeConfigFile } from './helpers/config-file.ts';
import { startUpstream, type Upstream } from './helpers/servers.ts';

/** An upstream that holds every response until `release()`; `arrived(n)` waits for n requests. */
async function startHoldingUpstream() {
  const held: ServerResponse[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const up = await startUpstream((_req, res) => {
    held.push(res);
    for (const w of waiters.filter((x) => held.length >= x.n)) w.resolve();
  });
  return {
    up,
    arrived: (n: number) =>
      new Promise<void>((resolve) => {
        if (held.length >= n) resolve();
        else waiters.push({ n, resolve });
      }),
    release: () => {
      for (const res of held.splice(0)) res.end('finished');
    },
    drop: () => {
      for (const res of held.splice(0)) res.destroy();
    },
  };
}

/** Whether a new TCP connection to the port is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('graceful shutdown (SIGTERM, child process)', { timeout: 30_000 }, () => {
  let holding: Awaited<ReturnType<typeof startHoldingUpstream>>;
  let up: Upstream;
  const dir = tempDir();
  const children: ChildGatehouse[] = [];
  // A dedicated client so each test's connections are its own.
  let agent: Agent;

  before(async () => {
    holding = await startHoldingUpstream();
    up = holding.up;
    agent = new Agent({ connections: 16 });
  });
  after(async () => {
    for (const c of children) await c.kill();
    holding.drop();
    await up.close();
    await agent.close();
    dir.remove();
  });

  async function start(name: string, shutdownGraceMs: number): Promise<ChildGatehouse> {
    const file = dir.file(`${name}.yaml`);
    writeConfigFile(
      file,
      testConfig({
        proxy: { shutdownGraceMs },
        routes: [{ id: 'slow', match: { host: 'slow.test', path: '/' }, upstream: up.url, public: true }],
      }),
    );
    const gh = await spawnGatehouse(file);
    children.push(gh);
    return gh;
  }

  function inFlight(gh: ChildGatehouse, n: number) {
    return Array.from({ length: n }, (_, i) =>
      request(`${gh.url}/work/${i}`, { headers: { host: 'slow.test' }, dispatcher: agent }).then(
        async (res) => ({ status: res.statusCode, body: await res.body.text() }),
        (err: Error) => ({ status: 0, body: err.message }),
      ),
    );
  }

  it('stops accepting, reports not ready, finishes in-flight requests, and exits 0', async () => {
    const gh = await start('drain', 10_000);
    const requests = inFlight(gh, 4);
    await holding.arrived(4);

    const sigterm = performance.now();
    gh.proc.kill('SIGTERM');
    // The listener closes at once: no new connection is accepted (bounded wait for the signal to land).
    let refused = false;
    for (let i = 0; i < 200 && !refused; i++) refused = !(await accepts(gh.port));
    assert.ok(refused, 'the listener still accepts connections after SIGTERM');
    const ready = await request(`${gh.adminUrl}/readyz`).then(
      async (r) => {
        await r.body.dump();
        return r.statusCode;
      },
      () => 'unreachable' as const,
    );
    assert.ok(ready === 503 || ready === 'unreachable', `readyz answered ${ready} while draining`);
    assert.equal(gh.proc.exitCode, null, 'exited before the in-flight requests finished');

    holding.release();
    const results = await Promise.all(requests);
    assert.deepEqual(
      results,
      results.map(() => ({ status: 200, body: 'finished' })),
    );
    const exit = await gh.exited;
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(
      performance.now() - sigterm < 10_000,
      'exited after the grace period, not when the work was done',
    );
  });

  it('waits for an upload sent with Expect: 100-continue (it arrives as checkContinue, not request)', async () => {
    const gh = await start('continue', 10_000);
    const answer = new Promise<string>((resolve) => {
      const s = net.connect(gh.port, '127.0.0.1');
      let raw = '';
      s.setEncoding('latin1');
      s.on('data', (d: string) => {
        raw += d;
        // the body goes once Gatehouse has allowed the request and said 100 Continue
        if (raw.includes('100 Continue') && !raw.includes('\r\n\r\nHTTP/1.1 2')) s.write('hello');
      });
      s.on('close', () => resolve(raw));
      s.on('error', () => resolve(raw));
      s.write(
        'POST /upload HTTP/1.1\r\nHost: slow.test\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n',
      );
    });
    await holding.arrived(1);
    gh.proc.kill('SIGTERM');
    // still running while the upload waits for its answer: it is counted in flight
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(gh.proc.exitCode, null, 'exited with the upload in flight');
    holding.release();
    assert.match(await answer, /HTTP\/1\.1 200 [\s\S]*finished$/);
    assert.deepEqual(await gh.exited, { code: 0, signal: null });
  });

  it('exits 0 at the shutdownGraceMs deadline when requests are still in flight', async () => {
    const GRACE = 300;
    const gh = await start('deadline', GRACE);
    const requests = inFlight(gh, 3);
    await holding.arrived(3);

    const sigterm = performance.now();
    gh.proc.kill('SIGTERM');
    const exit = await gh.exited;
    const took = performance.now() - sigterm;
    assert.deepEqual(exit, { code: 0, signal: null }, gh.stderr());
    assert.ok(took >= GRACE * 0.9, `exited after ${took} ms, before the grace period`);
    assert.ok(took < GRACE + 3_000, `exited after ${took} ms`);
    // the requests that outlived the deadline were cut, not answered
    for (const r of await Promise.all(requests)) assert.notEqual(r.status, 200);
    holding.drop();
  });

  it('exits 0 promptly on SIGTERM when idle', async () => {
    const gh = await start('idle', 10_000);
    const sigterm = performance.now();
    gh.proc.kill('SIGTERM');
    assert.deepEqual(await gh.exited, { code: 0, signal: null });
    assert.ok(performance.now() - sigterm < 3_000);
  });

  it('exits 0 with a WebSocket open, cutting the tunnel', async () => {
    const upstream = http.createServer();
    const wss = new WebSocketServer({ server: upstream });
    wss.on('connection', (ws) => ws.on('message', (m, isBinary) => ws.send(m, { binary: isBinary })));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const file = dir.file('ws.yaml');
    writeConfigFile(
      file,
      testConfig({
        proxy: { shutdownGraceMs: 10_000 },
        routes: [
          {
            id: 'ws',
            match: { host: 'ws.test', path: '/' },
            upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
            public: true,
          },
        ],
      }),
    );
    const gh = await spawnGatehouse(file);
    children.push(gh);
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${gh.port}/`, { headers: { host: 'ws.test' } });
      ws.on('error', () => {});
      await once(ws, 'open');
      ws.send('ping');
      assert.equal(String((await once(ws, 'message'))[0]), 'ping');
      const closed = once(ws, 'close');
      const sigterm = performance.now();
      gh.proc.kill('SIGTERM');
      assert.deepEqual(await gh.exited, { code: 0, signal: null });
      assert.ok(
        performance.now() - sigterm < 3_000,
        'an open WebSocket held the process until the grace period',
      );
      await closed;
    } finally {
      for (const c of wss.clients) c.terminate();
      wss.close();
      upstream.closeAllConnections();
      await new Promise<void>((r) => upstream.close(() => r()));
    }
  });
});
