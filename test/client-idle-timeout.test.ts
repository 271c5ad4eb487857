import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { type RunningGatehouse, startGatehouse, startUpstream, type Upstream } from './helpers/servers.ts';

describe('a client that stops sending is cut after the idle timeout', () => {
  let up: Upstream;
  let gh: RunningGatehouse;
  before(async () => {
    up = await startUpstream((req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    gh = await startGatehouse({
      proxy: { timeouts: { idleMs: 300 } },
      routes: [{ id: 'up', match: { host: 'slow.test' }, upstream: up.url, public: true }],
    });
  });
  after(async () => {
    await gh.close();
    await up.close();
  });

  it('closes a connection whose request body stalls (slow loris), and keeps serving others', {
    timeout: 10_000,
  }, async () => {
    const socket = net.connect(gh.port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write('POST /upload HTTP/1.1\r\nHost: slow.test\r\nContent-Length: 1000\r\n\r\npartial');
    const started = Date.now();
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const took = Date.now() - started;
    assert.ok(took >= 250, `closed after ${took} ms, before the idle timeout`);
    const r = await request(`${gh.url}/`, { headers: { host: 'slow.test' } });
    assert.equal(r.statusCode, 200);
    await r.body.dump();
  });
});
