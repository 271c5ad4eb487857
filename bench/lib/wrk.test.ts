import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findExecutable } from './which.ts';
import { parseWrkOutput, uniquePathScript, wrkTool } from './wrk.ts';

test('the result line is found among wrk output and converted', () => {
  const stdout = [
    'Running 2s test @ http://127.0.0.1:1/',
    '  1 threads and 32 connections',
    'BENCH_RESULT {"requests":2000,"durationS":2.0,"rps":1000.0,"p50Ms":1.5,"p99Ms":9.25,"maxMs":12,"socketErrors":1,"httpErrors":2}',
  ].join('\n');
  assert.deepEqual(parseWrkOutput(stdout), { rps: 1000, p50Ms: 1.5, p99Ms: 9.25, errors: 3 });
});

test('no result line or no request is an error, not a zero', () => {
  assert.throws(
    () => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused'),
    /no result line/,
  );
  assert.throws(
    () =>
      parseWrkOutput(
        'BENCH_RESULT {"requests":0,"durationS":1,"rps":0,"p50Ms":0,"p99Ms":0,"maxMs":0,"socketErrors":9,"httpErrors":0}',
      ),
    /no request/,
  );
});

const wrk = findExecutable('wrk');

test('a real wrk run reports throughput, latencies and non-2xx answers', {
  skip: !wrk && 'wrk not installed',
}, async () => {
  let served = 0;
  const server = createServer((req, res) => {
    served++;
    res.writeHead(req.headers.host === 'ok.test' ? 200 : 404, { 'content-length': 2 });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-test-'));
  try {
    const tool = wrkTool(wrk!, dir);
    assert.match(tool.name, /^wrk /);
    const spec = { url: `http://127.0.0.1:${port}/`, durationS: 1, connections: 4, threads: 1 };
    const good = await tool.run({ ...spec, host: 'ok.test' });
    assert.ok(good.rps > 100, `rps ${good.rps}`);
    assert.ok(good.p50Ms > 0 && good.p99Ms >= good.p50Ms, `p50 ${good.p50Ms} p99 ${good.p99Ms}`);
    assert.equal(good.errors, 0);
    const bad = await tool.run({ ...spec, host: 'other.test' });
    assert.ok(bad.errors !== null && bad.errors > 0, 'non-2xx answers count as errors');
    assert.ok(served > 0);
  } finally {
    server.close();
    server.closeAllConnections();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with uniquePathPrefix every request gets its own path, headers still sent', {
  skip: !wrk && 'wrk not installed',
}, async () => {
  const paths = new Set<string>();
  let requests = 0;
  let withHeader = 0;
  const server = createServer((req, res) => {
    requests++;
    paths.add(req.url ?? '');
    if (req.headers['x-bench'] === 'yes') withHeader++;
    res.writeHead(200, { 'content-length': 2 });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-test-'));
  try {
    const tool = wrkTool(wrk!, dir);
    const result = await tool.run({
      url: `http://127.0.0.1:${port}/`,
      durationS: 1,
      connections: 4,
      threads: 2,
      headers: { 'X-Bench': 'yes' },
      uniquePathPrefix: '/item/',
    });
    assert.equal(result.errors, 0);
    assert.ok(requests > 100, `requests ${requests}`);
    assert.equal(paths.size, requests, 'no path seen twice');
    assert.ok(
      [...paths].every((p) => /^\/item\/\d+$/.test(p)),
      [...paths].slice(0, 3).join(' '),
    );
    assert.equal(withHeader, requests);
  } finally {
    server.close();
    server.closeAllConnections();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a unique-path prefix that is not a plain path is refused', () => {
  assert.throws(() => uniquePathScript('/x"; os.exit() --', tmpdir()), /not a plain path/);
});
