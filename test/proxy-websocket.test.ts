import assert from 'node:assert/strict';
import { once } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { deadPort } from './helpers/raw-http.ts';
import { type RunningGatehouse, startGatehouse } from './helpers/servers.ts';

/** The next message on a client socket, as { data, isBinary }. */
function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: RawData, isBinary: boolean) => {
      ws.off('error', reject);
      resolve({ data: Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]), isBinary });
    };
    ws.once('message', onMessage);
    ws.once('error', reject);
  });
}

/** The HTTP response that refused a WebSocket handshake; fails at once if the handshake succeeds. */
function refused(ws: WebSocket): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req: unknown, res: IncomingMessage) => resolve(res));
    ws.once('open', () => reject(new Error('the WebSocket handshake succeeded; it must be refused')));
  });
}

describe('proxy: WebSocket', { timeout: 20_000 }, () => {
  let upstreamServer: http.Server;
  let upstreamUrl: string;
  const upgradesSeen: IncomingMessage[] = [];
  const closesSeen: { code: number; reason: string }[] = [];
  let gh: RunningGatehouse;
  const open: WebSocket[] = [];
  let silent: http.Server;
  const silentSockets: Duplex[] = [];

  before(async () => {
    upstreamServer = http.createServer((_req, res) => res.end('plain http'));
    const wss = new WebSocketServer({ noServer: true });
    upstreamServer.on('upgrade', (req, socket, head) => {
      upgradesSeen.push(req);
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('message', (data, isBinary) => {
          if (!isBinary && data.toString() === 'who am i') {
            ws.send(
              JSON.stringify({
                xff: req.headers['x-forwarded-for'],
                requestId: req.headers['x-request-id'],
                cookie: req.headers.cookie ?? null,
              }),
            );
            return;
          }
          if (!isBinary && data.toString() === 'close please') {
            ws.close(4001, 'upstream says bye');
            return;
          }
          ws.send(data, { binary: isBinary });
        });
        ws.on('close', (code, reason) => closesSeen.push({ code, reason: reason.toString() }));
      });
    });
    await new Promise<void>((r) => upstreamServer.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstreamServer.address() as AddressInfo).port}`;
    // accepts the upgrade request and never answers it
    silent = http.createServer();
    silent.on('upgrade', (_req, socket) => silentSockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const dead = await deadPort();
    gh = await startGatehouse({
      routes: [
        {
          id: 'ws-dead',
          match: { host: 'dead.test', path: '/' },
          upstream: `http://127.0.0.1:${dead}`,
          public: true,
        },
        {
          // an upstream whose pool cannot be built (its CA file is missing)
          id: 'ws-broken',
          match: { host: 'broken.test', path: '/' },
          upstream: {
            url: `https://127.0.0.1:${dead}`,
            tls: { caFile: '/nonexistent/gatehouse-test-ca.pem' },
          },
          public: true,
        },
        {
          id: 'ws-silent',
          match: { host: 'silent.test', path: '/' },
          upstream: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
          public: true,
          timeouts: { headersMs: 200 },
        },
        { id: 'ws', match: { host: 'ws.test', path: '/' }, upstream: upstreamUrl, public: true },
        { id: 'ws-denied', match: { host: 'ws.test', path: '/admin' }, upstream: upstreamUrl },
      ],
    });
  });
  after(async () => {
    for (const ws of open) ws.terminate();
    await gh.close();
    upstreamServer.closeAllConnections();
    await new Promise<void>((r) => upstreamServer.close(() => r()));
    for (const s of silentSockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  async function connect(path: string, headers: Record<string, string> = {}): Promise<WebSocket> {
    const ws = new WebSocket(`ws://127.0.0.1:${gh.port}${path}`, {
      headers: { host: 'ws.test', ...headers },
    });
    open.push(ws);
    await once(ws, 'open');
    return ws;
  }

  it('relays text and binary messages both ways', async () => {
    const ws = await connect('/chat?room=1');
    ws.send('hello through gatehouse');
    const text = await nextMessage(ws);
    assert.equal(text.isBinary, false);
    assert.equal(text.data.toString(), 'hello through gatehouse');

    const binary = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);
    ws.send(binary);
    const back = await nextMessage(ws);
    assert.equal(back.isBinary, true);
    assert.deepEqual(back.data, binary);

    // a message larger than one TCP segment and than ws' default fragment size
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    ws.send(big);
    assert.deepEqual((await nextMessage(ws)).data, big);

    assert.equal(upgradesSeen.at(-1)!.url, '/chat?room=1');
    ws.close();
    await once(ws, 'close');
  });

  it('completes the close handshake started by the client, with code and reason', async () => {
    const before = closesSeen.length;
    const ws = await connect('/chat');
    ws.close(1000, 'client done');
    const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
    assert.equal(code, 1000);
    assert.equal(reason.toString(), 'client done');
    assert.equal(closesSeen.length, before + 1);
    assert.deepEqual(closesSeen.at(-1), { code: 1000, reason: 'client done' });
  });

  it('completes the close handshake started by the upstream', async () => {
    const ws = await connect('/chat');
    ws.send('close please');
    const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
    assert.equal(code, 4001);
    assert.equal(reason.toString(), 'upstream says bye');
  });

  it('sends the upstream the forwarding headers and request id, and returns the id on the 101', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${gh.port}/chat`, {
      headers: { host: 'ws.test', 'x-forwarded-for': '203.0.113.9' },
    });
    open.push(ws);
    const upgraded = once(ws, 'upgrade');
    await once(ws, 'open');
    const [res] = (await upgraded) as [IncomingMessage];
    ws.send('who am i');
    const seen = JSON.parse((await nextMessage(ws)).data.toString()) as { xff: string; requestId: string };
    assert.equal(seen.xff, '127.0.0.1');
    assert.match(seen.requestId, /^[0-9a-f-]{36}$/);
    assert.equal(res.headers['x-request-id'], seen.requestId);
    ws.close();
    await once(ws, 'close');
  });

  it('answers 403 to a WebSocket on a denied route, and the upstream never sees the upgrade', async () => {
    const before = upgradesSeen.length;
    const ws = new WebSocket(`ws://127.0.0.1:${gh.port}/admin/socket`, {
      headers: { host: 'ws.test', accept: 'application/json' },
    });
    ws.on('error', () => {}); // terminate() before open reports an error
    open.push(ws);
    const res = await refused(ws);
    assert.equal(res.statusCode, 403);
    let body = '';
    for await (const c of res) body += c;
    assert.equal((JSON.parse(body) as { error: string }).error, 'route-denied');
    ws.terminate();
    assert.equal(upgradesSeen.length, before, 'the upstream saw the upgrade');
  });

  it('never tunnels an upgrade for a path Gatehouse answers itself, even on a host with an upstream', async () => {
    for (const [path, status] of [
      ['/.gatehouse/no-such-endpoint', 404],
      ['/.well-known/gatehouse/jwks.json', 200],
    ] as const) {
      const before = upgradesSeen.length;
      const ws = new WebSocket(`ws://127.0.0.1:${gh.port}${path}`, { headers: { host: 'ws.test' } });
      ws.on('error', () => {});
      open.push(ws);
      const res = await refused(ws);
      assert.equal(res.statusCode, status, path);
      assert.equal(res.headers.connection, 'close', 'node:http no longer reads this connection');
      ws.terminate();
      assert.equal(upgradesSeen.length, before, `the upstream saw the upgrade for ${path}`);
    }
  });

  it('answers 404 to a WebSocket on an unknown host, and no upstream sees it', async () => {
    const before = upgradesSeen.length;
    const ws = new WebSocket(`ws://127.0.0.1:${gh.port}/`, { headers: { host: 'nowhere.test' } });
    ws.on('error', () => {});
    open.push(ws);
    const res = await refused(ws);
    assert.equal(res.statusCode, 404);
    ws.terminate();
    assert.equal(upgradesSeen.length, before);
  });

  it('answers 503 when the upstream of an allowed WebSocket is down', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${gh.port}/`, {
      headers: { host: 'dead.test', accept: 'application/json' },
    });
    ws.on('error', () => {});
    open.push(ws);
    const res = await refused(ws);
    assert.equal(res.statusCode, 503);
    let body = '';
    for await (const c of res) body += c;
    assert.equal((JSON.parse(body) as { error: string }).error, 'ERR_UPSTREAM_UNAVAILABLE');
    ws.terminate();
  });

  it('answers 504 when the upstream does not answer the upgrade within headersMs', {
    timeout: 10_000,
  }, async () => {
    const started = performance.now();
    const ws = new WebSocket(`ws://127.0.0.1:${gh.port}/`, { headers: { host: 'silent.test' } });
    ws.on('error', () => {});
    open.push(ws);
    const res = await refused(ws);
    assert.equal(res.statusCode, 504);
    // undici's timers have a resolution of about one second
    assert.ok(performance.now() - started < 200 + 1_500, `took ${performance.now() - started} ms`);
    ws.terminate();
  });

  it('answers 500 and stays up when the upstream connection pool cannot be built', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${gh.port}/`, {
      headers: { host: 'broken.test', accept: 'application/json' },
    });
    ws.on('error', () => {});
    open.push(ws);
    const res = await refused(ws);
    assert.equal(res.statusCode, 500);
    let body = '';
    for await (const c of res) body += c;
    assert.doesNotMatch(body, /ENOENT|nonexistent/);
    ws.terminate();
    // still serving
    const again = await connect('/chat');
    again.close();
    await once(again, 'close');
  });
});
