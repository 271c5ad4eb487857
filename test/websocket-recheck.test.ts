import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { stringify } from 'yaml';
import { type RunningGatehouse, startGatehouse, startUpstream, type Upstream } from './helpers/servers.ts';

describe('open WebSockets are decided again when policy changes', () => {
  let up: Upstream;
  let wss: WebSocketServer;
  let gh: RunningGatehouse;
  const dir = mkdtempSync(join(tmpdir(), 'gh-ws-recheck-'));
  const file = join(dir, 'gatehouse.yaml');
  const config = (open: boolean) =>
    stringify({
      listeners: [{ name: 'web', port: 0 }],
      admin: { port: 0 },
      audit: { output: { file: '/dev/null' } },
      routes: [
        {
          id: 'live',
          match: { host: 'ws.test' },
          upstream: up.url,
          policy: {
            allow: [
              open ? { id: 'all', authenticated: false } : { id: 'none', groups: { anyOf: ['nobody'] } },
            ],
          },
        },
      ],
    });

  before(async () => {
    up = await startUpstream((_req, res) => res.end());
    wss = new WebSocketServer({ server: up.server });
    wss.on('connection', (s) => s.on('message', (m, binary) => s.send(m, { binary })));
    writeFileSync(file, config(true));
    gh = await startGatehouse({}, { configFile: file });
  });
  after(async () => {
    await gh.close();
    wss.close();
    await up.close();
  });

  it('closes an open tunnel once a reload denies its request', { timeout: 10_000 }, async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${gh.port}/feed`, { headers: { host: 'ws.test' } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send('ping');
    const echo = await new Promise<string>((r) => ws.once('message', (m) => r(String(m))));
    assert.equal(echo, 'ping');
    assert.equal(gh.gateway.tunnels.size, 1);

    const closed = new Promise<void>((r) => ws.once('close', () => r()));
    writeFileSync(file, config(false));
    const result = await gh.gateway.reload('api');
    assert.equal(result.ok, true);
    await closed;
    assert.equal(gh.gateway.tunnels.size, 0);
  });
});
