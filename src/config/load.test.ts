import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfigText } from './load.ts';
import { formatProblem } from './problems.ts';

const base = `listeners:
  - name: web
    port: 8080
`;

function problems(text: string) {
  const r = loadConfigText(text);
  assert.equal(r.ok, false, 'expected the config to be rejected');
  return r.ok ? [] : r.problems;
}

describe('config loading', () => {
  it('accepts a minimal config, applies defaults and deep-freezes it', () => {
    const r = loadConfigText(`${base}routes:
  - match: { host: app.example.com }
    upstream: http://127.0.0.1:9000
    public: true
`);
    assert.ok(r.ok);
    assert.equal(r.config.routes[0]!.match.path, '/');
    assert.equal(r.config.proxy.mergeSlashes, true);
    assert.equal(r.config.admin.port, 9901);
    assert.ok(Object.isFrozen(r.config.routes[0]!.match));
    assert.throws(() => {
      (r.config.routes as unknown as unknown[]).push({});
    });
  });

  it('reports every schema problem at once with pointer and line', () => {
    const ps = problems(`listeners:
  - name: web
    port: 8080
    bogus: 1
routes:
  - match: { host: "bad host" }
    upstream: ftp://x
  - match: { host: ok.example.com, path: relative }
    public: "yes"
`);
    const text = ps.map((p) => formatProblem(p, 'g.yaml'));
    assert.ok(text.includes('g.yaml:4: error: /listeners/0/bogus: unknown key "bogus"'), text.join('\n'));
    assert.ok(ps.some((p) => p.pointer === '/routes/0/match/host' && p.line === 6));
    assert.ok(ps.some((p) => p.pointer === '/routes/0/upstream' && p.line === 7));
    assert.ok(ps.some((p) => p.pointer === '/routes/1/match/path' && p.line === 8));
    assert.ok(ps.some((p) => p.pointer === '/routes/1/public' && p.line === 9 && /boolean/.test(p.message)));
  });

  it('refuses an inline secret with a message saying how to reference it', () => {
    const ps = problems(`${base}admin:
  token: hunter2
`);
    assert.equal(ps.length, 1);
    assert.equal(ps[0]!.pointer, '/admin/token');
    assert.equal(ps[0]!.code, 'ERR_CONFIG_SECRET_INLINE');
    assert.match(ps[0]!.message, /\{ file: .* \{ env: /);
    assert.doesNotMatch(JSON.stringify(ps), /hunter2/, 'the secret value must not be echoed');
  });

  it('accepts secrets by file or env reference', () => {
    assert.ok(loadConfigText(`${base}admin:\n  token: { env: GATEHOUSE_ADMIN_TOKEN }\n`).ok);
    assert.ok(loadConfigText(`${base}admin:\n  token: { file: /run/secrets/admin }\n`).ok);
  });

  it('runs semantic checks: duplicate host+path, no upstream, unknown policy', () => {
    const ps = problems(`${base}routes:
  - match: { host: a.example.com, path: /x }
    upstream: http://127.0.0.1:1
    public: true
  - match: { host: A.example.com., path: /x }
    upstream: http://127.0.0.1:1
    public: true
  - match: { host: b.example.com }
    public: true
  - match: { host: c.example.com }
    upstream: http://127.0.0.1:1
    policy: nope
`);
    const by = (pointer: string) => ps.find((p) => p.pointer === pointer);
    assert.match(by('/routes/1/match')!.message, /duplicate route.*\/routes\/0/);
    assert.equal(by('/routes/1/match')!.line, 8);
    assert.match(by('/routes/2/upstream')!.message, /no upstream/);
    assert.match(by('/routes/3/policy')!.message, /unknown named policy "nope"/);
  });

  it('reports YAML syntax errors with a line', () => {
    const ps = problems('listeners: [\n  - name: x\n');
    assert.ok(ps[0]!.line !== undefined);
    assert.match(ps[0]!.message, /^YAML/);
  });

  it('rejects duplicate YAML keys', () => {
    const ps = problems(`${base}admin:\n  port: 1\n  port: 2\n`);
    assert.match(ps[0]!.message, /YAML/);
  });

  it('rejects an empty document', () => {
    const ps = problems('');
    assert.equal(ps[0]!.pointer, '/listeners');
  });
});
