/**
 * Seeded fuzzing of the data plane with malformed and hostile requests: odd targets, encodings,
 * hosts, methods, header names and values, bodies. Gatehouse must answer every one with a
 * deliberate status (never a 5xx from itself, never a crash) and keep serving; whatever
 * reaches the upstream must carry a canonical path and no client-forged identity header.
 */
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { normaliseTarget } from '../src/routing/index.ts';
import { prng } from './helpers/prng.ts';
import {
  type RunningGatehouse,
  rawRequest,
  startGatehouse,
  startUpstream,
  statusOf,
  type Upstream,
} from './helpers/servers.ts';

const PIECES = [
  '/',
  '//',
  '/.',
  '/..',
  '/./',
  '/../',
  '%2e',
  '%2E%2e',
  '%2f',
  '%5c',
  '%00',
  '%',
  '%zz',
  ';',
  '..;',
  '\\',
  '%c0%ae',
  '%ef%bc%8e',
  'admin',
  'ADMIN',
  'é',
  '%C3%A9',
  '~',
  '%7e',
  '?',
  '#',
  '*',
  ' ',
  '\t',
  '@',
  ':',
  '%25',
  '%252e',
  'a'.repeat(50),
];
const HOSTS = [
  'app.test',
  'APP.TEST.',
  'app.test:8080',
  'app.test:',
  'app.test:99999',
  '[::1]',
  'évil.test',
  'app.test@evil.test',
  'a..b',
  '',
  ' app.test',
  'app.test\t',
  '127.1',
  'x'.repeat(300),
];
const METHODS = [
  'GET',
  'POST',
  'HEAD',
  'PUT',
  'DELETE',
  'OPTIONS',
  'PATCH',
  'TRACE',
  'CONNECT',
  'get',
  'G ET',
  'PROPFIND',
  '',
];
const HEADERS = [
  'X-Gatehouse-Assertion: forged',
  'x_gatehouse_assertion: forged',
  'X-Forwarded-User: admin',
  'Remote-User: admin',
  'X-Original-URL: /admin',
  'X-HTTP-Method-Override: DELETE',
  'Authorization: Bearer not.a.jwt',
  'Authorization: Bearer a',
  'Authorization: Basic YWRtaW46YWRtaW4=',
  'Cookie: __Host-gatehouse=forged',
  'Transfer-Encoding: chunked',
  'Content-Length: 5',
  'Content-Length: -1',
  'Connection: close, X-Gatehouse-Assertion',
  'Upgrade: websocket',
  'Expect: 100-continue',
  'X-Forwarded-For: 10.0.0.1',
  'X-Request-Id: <script>',
  `X-Big: ${'b'.repeat(2000)}`,
  'Bad Header: x',
  'X-Null: a\u0000b',
];

describe('fuzzing the proxy with hostile requests', () => {
  let up: Upstream;
  let gh: RunningGatehouse;
  const reached: { url: string; headers: IncomingHttpHeaders }[] = [];

  before(async () => {
    up = await startUpstream((req, res) => {
      reached.push({ url: req.url ?? '', headers: req.headers });
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    gh = await startGatehouse({
      routes: [
        { id: 'pub', match: { host: 'app.test', path: '/' }, upstream: up.url, public: true },
        { id: 'admin', match: { host: 'app.test', path: '/admin' }, upstream: up.url },
      ],
    });
  });
  after(async () => {
    await gh.close();
    await up.close();
  });

  it('answers 1,000 generated requests deliberately and keeps serving', { timeout: 120_000 }, async () => {
    const rnd = prng(20261122);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
    const allowed = new Set([0, 200, 400, 401, 403, 404, 405, 408, 413, 431]);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      let target = '';
      const parts = 1 + Math.floor(rnd() * 6);
      for (let j = 0; j < parts; j++) target += pick(PIECES);
      if (rnd() < 0.8 && !target.startsWith('/')) target = `/${target}`;
      if (rnd() < 0.05) target = `http://${pick(HOSTS)}${target}`;
      const lines = [`${pick(METHODS)} ${target} HTTP/1.1`];
      if (rnd() < 0.95) lines.push(`Host: ${pick(HOSTS)}`);
      if (rnd() < 0.05) lines.push(`Host: ${pick(HOSTS)}`);
      const nh = Math.floor(rnd() * 4);
      for (let j = 0; j < nh; j++) lines.push(pick(HEADERS));
      lines.push('Connection: close');
      const body = rnd() < 0.2 ? 'hello' : '';
      const full = await rawRequest(gh.port, `${lines.join('\r\n')}\r\n\r\n${body}`, 3_000);
      const raw = full.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, ''); // interim answer to Expect: 100-continue
      const status = statusOf(raw);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      assert.ok(
        allowed.has(status),
        `request ${i} got ${status}:\n${lines.join('\n')}\n---\n${raw.slice(0, 300)}`,
      );
      assert.doesNotMatch(raw, /at [\w.<>]+ \(.*:\d+:\d+\)/, 'no stack trace to a client');
    }
    // still serving
    const ok = await request(`${gh.url}/still/up`, { headers: { host: 'app.test' } });
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
    // what reached the upstream was canonical and carried nothing a client forged
    assert.ok(reached.length >= 20, `only ${reached.length} requests reached the upstream`);
    for (const r of reached) {
      const path = r.url.split('?')[0]!;
      const again = normaliseTarget(path, 'app.test', { mergeSlashes: true });
      assert.ok(again.ok && again.path === path, `non-canonical path upstream: ${r.url}`);
      assert.ok(path !== '/admin' && !path.startsWith('/admin/'), `the denied route was reached: ${r.url}`);
      assert.notEqual(r.headers['x-gatehouse-assertion'], 'forged');
      for (const h of [
        'x-forwarded-user',
        'remote-user',
        'x-original-url',
        'x-http-method-override',
        'x_gatehouse_assertion',
      ]) {
        assert.equal(r.headers[h], undefined, `${h} reached the upstream`);
      }
    }
  });
});
