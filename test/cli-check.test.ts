import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runCli } from './helpers/child.ts';
import { tempDir, writeConfigFile } from './helpers/config-file.ts';

const dir = tempDir();

const VALID = `# a valid config
listeners:
  - name: web
    port: 8080
routes:
  - id: app
    match: { host: app.example.com, path: / }
    upstream: http://app.default.svc:8080
    public: true
`;

// Schema problems: the file does not have the right shape.
const SHAPE_PROBLEMS = `listeners:
  - name: web
    port: 8080
    colour: blue
admin:
  token: "x"
proxy:
  maxBodyBytes: lots
routes:
  - id: app
    match: { host: app.example.com, path: / }
    upstream: http://app:8080
    public: true
`;

// Semantic problems: the shape is right, the content contradicts itself.
const MEANING_PROBLEMS = `listeners:
  - name: web
    port: 8080
policies:
  staff:
    allow:
      - authenticated: true
routes:
  - id: first
    match: { host: app.example.com, path: / }
    upstream: http://app:8080
    public: true
  - id: second
    match: { host: app.example.com, path: / }
    upstream: http://other:8080
    public: true
  - id: nowhere
    match: { host: nowhere.example.com, path: / }
    public: true
  - id: typo
    match: { host: typo.example.com, path: / }
    upstream: http://typo:8080
    policy: staf
`;

/** The problems `check` must report for each file: line, JSON pointer and a message fragment. */
const SHAPE_EXPECTED = [
  { line: 4, pointer: '/listeners/0/colour', message: /unknown key "colour"/ },
  { line: 6, pointer: '/admin/token', message: /inline.*\{ file: .*\} or \{ env: / },
  { line: 8, pointer: '/proxy/maxBodyBytes', message: /number/ },
];
const MEANING_EXPECTED = [
  { line: 14, pointer: '/routes/1/match', message: /duplicate route.*app\.example\.com.*\/routes\/0/ },
  { line: 17, pointer: '/routes/2/upstream', message: /no upstream/ },
  { line: 23, pointer: '/routes/3/policy', message: /unknown named policy "staf"/ },
];

function write(name: string, text: string): string {
  const file = dir.file(name);
  writeConfigFile(file, text);
  return file;
}

/** Every expected problem appears as `file:LINE: error: /pointer: message`. */
function assertListed(stdout: string, file: string, expected: typeof SHAPE_EXPECTED): void {
  const lines = stdout.split('\n');
  for (const e of expected) {
    const prefix = `${file}:${e.line}: error: ${e.pointer}: `;
    const line = lines.find((l) => l.startsWith(prefix));
    assert.ok(line, `missing "${prefix}…" in:\n${stdout}`);
    assert.match(line.slice(prefix.length), e.message);
  }
}

describe('gatehouse check', { timeout: 30_000 }, () => {
  after(() => dir.remove());

  it('exits 0 on a valid config and says ok', async () => {
    const file = write('valid.yaml', VALID);
    const r = await runCli(['check', '-c', file]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /ok/);
    assert.doesNotMatch(r.stdout, /error/);
  });

  it('exits 1 and lists every schema problem with file:LINE and JSON pointer', async () => {
    const file = write('shape.yaml', SHAPE_PROBLEMS);
    const r = await runCli(['check', '-c', file]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assertListed(r.stdout, file, SHAPE_EXPECTED);
    assert.match(r.stdout, /3 errors/);
  });

  it('never echoes an inline secret value back', async () => {
    const file = write(
      'secret.yaml',
      VALID.replace('routes:', 'admin:\n  token: "hunter2-very-secret"\nroutes:'),
    );
    const r = await runCli(['check', '-c', file]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /\/admin\/token: .*\{ file: /);
    assert.doesNotMatch(r.stdout + r.stderr, /hunter2/);
  });

  it('exits 1 and lists every semantic problem with file:LINE and JSON pointer', async () => {
    const file = write('meaning.yaml', MEANING_PROBLEMS);
    const r = await runCli(['check', '-c', file]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assertListed(r.stdout, file, MEANING_EXPECTED);
  });

  it('lists schema and semantic problems of one file together', async () => {
    const both = MEANING_PROBLEMS.replace('    port: 8080\n', '    port: 8080\n    colour: blue\n');
    const file = write('both.yaml', both);
    const r = await runCli(['check', '-c', file]);
    assert.equal(r.code, 1);
    assertListed(r.stdout, file, [
      { line: 4, pointer: '/listeners/0/colour', message: /unknown key/ },
      ...MEANING_EXPECTED.map((e) => ({ ...e, line: e.line + 1 })),
    ]);
  });

  it('prints parseable JSON with --json', async () => {
    const file = write('shape-json.yaml', SHAPE_PROBLEMS);
    const r = await runCli(['check', '-c', file, '--json']);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      problems: { severity: string; pointer: string; line?: number; message: string }[];
    };
    assert.equal(out.ok, false);
    for (const e of SHAPE_EXPECTED) {
      const p = out.problems.find((x) => x.pointer === e.pointer);
      assert.ok(p, `missing ${e.pointer}`);
      assert.equal(p.severity, 'error');
      assert.equal(p.line, e.line);
      assert.match(p.message, e.message);
    }
    const ok = await runCli(['check', '-c', write('valid-json.yaml', VALID), '--json']);
    assert.equal(ok.code, 0);
    assert.equal((JSON.parse(ok.stdout) as { ok: boolean }).ok, true);
  });

  it('exits 1 with a clear message when the file does not exist', async () => {
    const missing = dir.file('does-not-exist.yaml');
    const r = await runCli(['check', '-c', missing]);
    assert.equal(r.code, 1);
    const out = r.stdout + r.stderr;
    assert.match(out, /does-not-exist\.yaml/);
    assert.match(out, /cannot read|not found|ENOENT|no such file/i);
    assert.doesNotMatch(out, /\n\s+at .*:\d+:\d+/, 'no stack trace');
  });

  it('reports a YAML syntax error with its line', async () => {
    const file = write('syntax.yaml', 'listeners:\n  - name: web\n    port: [8080\n');
    const r = await runCli(['check', '-c', file]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`${file.replaceAll('/', '\\/')}:\\d+: error: .*YAML`));
  });

  it('exits 2 on an unknown command, and on check without -c', async () => {
    const unknown = await runCli(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    assert.match(unknown.stderr, /Usage:/);
    const noFile = await runCli(['check']);
    assert.equal(noFile.code, 2);
    assert.match(noFile.stderr, /-c FILE/);
  });
});
