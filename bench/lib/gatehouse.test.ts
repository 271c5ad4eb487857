import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startGatehouse } from './gatehouse.ts';
import { httpGet } from './net.ts';
import { parseOptions } from './options.ts';
import { ProcessScope } from './processes.ts';
import { type BenchContext, SkipScenario } from './types.ts';

/** A fake repository whose src/cli/main.ts is `cli` (no schema: validation is left to the CLI). */
function fakeRepo(cli: string | null): { ctx: BenchContext; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'bench-gh-test-'));
  if (cli !== null) {
    mkdirSync(join(root, 'src/cli'), { recursive: true });
    writeFileSync(join(root, 'src/cli/main.ts'), cli);
  }
  const tmpDir = join(root, 'tmp');
  mkdirSync(tmpDir);
  const ctx: BenchContext = {
    options: parseOptions(['--quick']),
    tmpDir,
    repoRoot: root,
    benchDir: join(root, 'bench'),
    scope: new ProcessScope(),
    loadTool: null,
    upstream: () => Promise.reject(new Error('unused')),
    measureHttp: () => Promise.reject(new Error('unused')),
    log: () => {},
  };
  return { ctx, root };
}

const ROUTE = { match: { host: 'app.bench.test', path: '/' }, upstream: 'http://127.0.0.1:1', public: true };

async function skipReason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SkipScenario, `expected a skip, got ${String(error)}`);
    return error.message;
  }
  assert.fail('expected the scenario to be skipped');
}

test('no CLI yet: skipped with the reason', async () => {
  const { ctx, root } = fakeRepo(null);
  try {
    assert.match(await skipReason(startGatehouse(ctx, [ROUTE])), /CLI not found/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a CLI that exits before ready: skipped with its exit code and last output', async () => {
  const { ctx, root } = fakeRepo("console.error('unknown command: serve'); process.exit(2);\n");
  try {
    const reason = await skipReason(startGatehouse(ctx, [ROUTE]));
    assert.match(reason, /exited \(2\) before ready/);
    assert.match(reason, /unknown command: serve/);
  } finally {
    await ctx.scope.stopAll();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a CLI that never gets ready: skipped after the timeout', async () => {
  const { ctx, root } = fakeRepo('setInterval(() => {}, 1000);\n');
  try {
    const reason = await skipReason(startGatehouse(ctx, [ROUTE], { readyTimeoutMs: 500 }));
    assert.match(reason, /readyz not 200 within 500 ms/);
  } finally {
    await ctx.scope.stopAll();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a ready CLI gets serve -c with a config on 127.0.0.1 and the audit trail in a file', async () => {
  // The fake serves /readyz on admin.port and echoes its config on the listener port.
  const cli = `
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
const [cmd, flag, file] = process.argv.slice(2);
if (cmd !== 'serve' || flag !== '-c') process.exit(9);
const text = readFileSync(file, 'utf8');
const config = JSON.parse(text);
createServer((req, res) => res.end(req.url === '/readyz' ? 'ready' : '')).listen(config.admin.port, config.admin.address);
createServer((req, res) => res.end(text)).listen(config.listeners[0].port, config.listeners[0].address);
`;
  const { ctx, root } = fakeRepo(cli);
  try {
    const gh = await startGatehouse(ctx, [ROUTE]);
    assert.match(gh.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    const config = JSON.parse((await httpGet(`${gh.baseUrl}/`)).body) as Record<string, unknown>;
    assert.deepEqual(config['routes'], [ROUTE]);
    assert.deepEqual(config['audit'], { output: { file: join(ctx.tmpDir, 'audit.log') } });
    assert.deepEqual(JSON.parse(readFileSync(gh.configFile, 'utf8')), config);
  } finally {
    await ctx.scope.stopAll();
    rmSync(root, { recursive: true, force: true });
  }
});
