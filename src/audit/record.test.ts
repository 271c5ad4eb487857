import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Decision, Principal, RequestInfo } from '../model/index.ts';
import { decisionLine, decisionRecord } from './record.ts';

const request: RequestInfo = {
  id: 'r-1',
  method: 'GET',
  scheme: 'https',
  host: 'app.test',
  port: 443,
  path: '/a"b',
  query: 'token=secret',
  headers: { authorization: 'Bearer secret-token', cookie: 'sid=secret-cookie' },
  peerAddress: '10.0.0.1',
  clientAddress: '203.0.113.5',
  listener: 'web',
};
const principal: Principal = {
  kind: 'user',
  subject: 'alice',
  issuer: 'https://idp',
  method: 'session',
  groups: ['eng'],
  claims: { tenant: 'acme', iat: 1 },
  email: 'alice@example.com',
  source: 'idp',
};

it('the fast line and the record object say the same thing, and never carry headers or the query', () => {
  for (const decision of [
    { outcome: 'allow', mode: 'enforce', reasons: ['rule-matched'], routeId: 'app', ruleId: 'r1', principal },
    {
      outcome: 'deny',
      mode: 'audit',
      reasons: ['no-rule-matched', 'group-unauthorized'],
      routeId: 'app',
      detail: 'x',
    },
    { outcome: 'deny', mode: 'enforce', reasons: ['route-not-found'] },
  ] as Decision[]) {
    const e = {
      request,
      decision,
      status: 200,
      durationMs: 1.23456,
      via: 'proxy',
      upstreamStatus: 200,
      errorCode: 'E',
    };
    const line = decisionLine(e, '2026-01-01T00:00:00.000Z');
    assert.ok(line.endsWith('\n'));
    const parsed = JSON.parse(line);
    assert.deepEqual(parsed, {
      log: 'audit',
      time: '2026-01-01T00:00:00.000Z',
      ...JSON.parse(JSON.stringify(decisionRecord(e))),
    });
    assert.doesNotMatch(line, /secret/);
  }
});

it('fields with quotes, backslashes, control and non-ASCII characters stay valid JSON', () => {
  for (const path of ['/a"b', '/a\\b', '/a\u0001b', '/caf\u00e9', '/a\u2028b', '/\ud800', '/plain-ascii_~']) {
    const e = {
      request: { ...request, path, host: `h${path.length}.test`, id: `id"${path}` },
      decision: { outcome: 'allow', mode: 'enforce', reasons: ['rule-matched'], routeId: 'r"1' } as Decision,
      status: 200,
      durationMs: 0.5,
      via: 'forward-auth',
    };
    const parsed = JSON.parse(decisionLine(e, '2026-01-01T00:00:00.000Z'));
    assert.equal(parsed.path, path);
    assert.equal(parsed.requestId, `id"${path}`);
    assert.equal(parsed.route, 'r"1');
  }
});
