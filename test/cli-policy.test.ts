import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'gh-cli-policy-'));
const config = join(dir, 'gatehouse.yaml');
writeFileSync(
  config,
  `listeners: [{ name: web, port: 8080 }]
policies:
  eng:
    deny:
      - id: no-contractors
        claim: { path: employment, equals: contractor }
    allow:
      - id: engineers
        groups: { anyOf: [engineering] }
        method: [GET, HEAD]
      - id: admins
        groups: { anyOf: [admins] }
routes:
  - { id: app, match: { host: app.example.com }, upstream: "http://127.0.0.1:9", policy: eng }
  - { id: pub, match: { host: app.example.com, path: /public }, upstream: "http://127.0.0.1:9", public: true }
`,
);

function gatehouse(...args: string[]) {
  const r = spawnSync(join(root, 'node_modules/.bin/node'), [join(root, 'src/cli/main.ts'), ...args], {
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('gatehouse explain', () => {
  it('prints the route, each rule and criterion, and the outcome for people', () => {
    const r = gatehouse(
      'explain',
      '-c',
      config,
      '--sub',
      'alice',
      '--groups',
      'engineering',
      'POST https://app.example.com/x/../items',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /request\s+POST https:\/\/app\.example\.com\/items/);
    assert.match(r.stdout, /route\s+app /);
    assert.match(r.stdout, /✓ groups/);
    assert.match(r.stdout, /✗ method \[GET, HEAD\]\s+-> method-not-allowed/);
    assert.match(r.stdout, /outcome\s+DENY 403/);
  });

  it('prints one JSON object with --json', () => {
    const r = gatehouse(
      'explain',
      '-c',
      config,
      '--json',
      '--groups',
      'admins',
      'DELETE https://app.example.com/a',
    );
    const j = JSON.parse(r.stdout);
    assert.equal(j.outcome, 'allow');
    assert.equal(j.ruleId, 'admins');
    assert.equal(j.route.id, 'app');
    assert.ok(Array.isArray(j.trace.rules));
  });

  it('reports what the proxy would do with an ambiguous request: 400', () => {
    const r = gatehouse('explain', '-c', config, '--anonymous', 'GET https://app.example.com/a%2fb');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /DENY 400 request-invalid/);
  });
});

describe('gatehouse policy test', () => {
  const tests = join(dir, 'tests.yaml');
  it('passes a good suite with exit 0 and the closing count', () => {
    writeFileSync(
      tests,
      `tests:
  - name: engineers may read
    principal: { subject: alice, groups: [engineering] }
    request: GET https://app.example.com/dashboards
    expect: { outcome: allow, rule: engineers, route: app, status: 200 }
  - name: anonymous gets 401
    request: GET https://app.example.com/
    expect: { outcome: deny, status: 401, reasons: [no-rule-matched, user-unauthenticated] }
  - name: contractors are denied
    principal: { groups: [admins], claims: { employment: contractor } }
    request: { method: GET, host: app.example.com, path: /x }
    expect: { outcome: deny, rule: no-contractors }
`,
    );
    const r = gatehouse('policy', 'test', '-c', config, tests);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^3 passed, 0 failed$/m);
  });

  it('fails with exit 1, printing each failure with its trace', () => {
    writeFileSync(
      tests,
      `tests:
  - name: wrong on purpose
    principal: { groups: [engineering] }
    request: POST https://app.example.com/x
    expect: { outcome: allow }
  - name: right
    request: GET https://app.example.com/public/x
    expect: { outcome: allow, route: pub }
`,
    );
    const r = gatehouse('policy', 'test', '-c', config, tests);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /✗ wrong on purpose/);
    assert.match(r.stdout, /outcome: expected allow, got deny/);
    assert.match(r.stdout, /method-not-allowed/);
    assert.match(r.stdout, /^1 passed, 1 failed$/m);
  });

  it('reports a malformed test file with pointers and exit 1', () => {
    writeFileSync(tests, 'tests:\n  - name: x\n    expect: { outcome: maybe }\n');
    const r = gatehouse('policy', 'test', '-c', config, tests);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\/tests\/0\/expect\/outcome/);
  });
});

describe('gatehouse policy replay', () => {
  it('lists the recorded requests whose outcome would change, with counts per route', () => {
    const log = join(dir, 'decisions.jsonl');
    const rec = (o: Record<string, unknown>) =>
      JSON.stringify({
        log: 'audit',
        time: '2026-11-20T10:00:00.000Z',
        event: 'decision',
        via: 'proxy',
        mode: 'enforce',
        scheme: 'https',
        host: 'app.example.com',
        client: '10.0.0.1',
        ...o,
      });
    writeFileSync(
      log,
      [
        rec({
          requestId: 'r1',
          route: 'app',
          decision: 'allow',
          reason: 'rule-matched',
          method: 'POST',
          path: '/x',
          principal: {
            kind: 'user',
            subject: 'alice',
            issuer: 'i',
            method: 'session',
            source: 's',
            groups: ['engineering'],
          },
        }),
        rec({
          requestId: 'r2',
          route: 'app',
          decision: 'deny',
          reason: 'no-rule-matched',
          method: 'DELETE',
          path: '/y',
          principal: {
            kind: 'user',
            subject: 'bob',
            issuer: 'i',
            method: 'session',
            source: 's',
            groups: ['admins'],
          },
        }),
        rec({
          requestId: 'r3',
          route: 'app',
          decision: 'allow',
          reason: 'rule-matched',
          method: 'GET',
          path: '/z',
          principal: {
            kind: 'user',
            subject: 'carol',
            issuer: 'i',
            method: 'session',
            source: 's',
            groups: ['engineering'],
          },
        }),
        'not json',
      ].join('\n'),
    );
    const r = gatehouse('policy', 'replay', '-c', config, log);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /allow -> deny\s+POST app\.example\.com\/x as alice\s+route app/);
    assert.match(r.stdout, /deny -> allow\s+DELETE app\.example\.com\/y as bob/);
    assert.doesNotMatch(r.stdout, /carol/);
    assert.match(r.stdout, /^app\s+3\s+1\s+1\s+0$/m);
    assert.match(r.stdout, /3 replayed, 2 would change, 1 skipped/);
    const strict = gatehouse('policy', 'replay', '-c', config, log, '--fail-on-change', '--json');
    assert.equal(strict.code, 1);
    assert.equal(JSON.parse(strict.stdout).changed, 2);
  });
});
