import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { crashSummary, liveCount, ProcessScope } from './processes.ts';

/** Running (a zombie, dead but not yet reaped by this machine's init, does not count). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

test('stopping a scope kills the whole process group, grandchildren included', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-proc-test-'));
  const scope = new ProcessScope();
  try {
    // The shell prints the pid of a background grandchild, then waits.
    const p = scope.start({
      name: 'sh',
      command: 'sh',
      args: ['-c', 'sleep 30 & echo $!; wait'],
      logFile: join(dir, 'sh.log'),
      captureStdout: true,
    });
    let grandchild = 0;
    for (let i = 0; i < 100 && !grandchild; i++) {
      grandchild = Number(p.stdout().trim());
      if (!grandchild) await delay(20);
    }
    assert.ok(grandchild > 0 && alive(grandchild), 'grandchild started');
    await scope.stopAll();
    assert.equal(p.exitInfo()?.unprompted, false);
    assert.deepEqual(scope.crashed(), [], 'a process we stopped did not crash');
    for (let i = 0; i < 50 && alive(grandchild); i++) await delay(20);
    assert.equal(alive(grandchild), false, 'grandchild killed with the group');
    assert.equal(liveCount(), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a process that dies on its own is reported as crashed with its last output', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-proc-test-'));
  const scope = new ProcessScope();
  try {
    const p = scope.start({
      name: 'boom',
      command: 'sh',
      args: ['-c', 'echo "TypeError: boom" >&2; exit 3'],
      logFile: join(dir, 'boom.log'),
    });
    const exit = await p.exited;
    assert.equal(exit.code, 3);
    const crashed = scope.crashed();
    assert.equal(crashed.length, 1);
    assert.match(crashed[0]!.tail, /TypeError: boom/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing executable settles as a spawn error instead of hanging', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-proc-test-'));
  try {
    const p = new ProcessScope().start({
      name: 'nope',
      command: join(dir, 'nope'),
      args: [],
      logFile: join(dir, 'x.log'),
    });
    const exit = await p.exited;
    assert.match(exit.error?.message ?? '', /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a crash summary shows the error line, not only the bottom of the stack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-proc-test-'));
  try {
    const log = join(dir, 'gh.log');
    writeFileSync(
      log,
      [
        '{"level":"info","message":"gatehouse started"}',
        'file:///work/main/src/proxy/forward.ts:73',
        "      if (code.startsWith('HPE_')) return 'ERR_UPSTREAM_PROTOCOL';",
        '               ^',
        '',
        'TypeError: code.startsWith is not a function',
        '    at upstreamErrorCode (file:///work/main/src/proxy/forward.ts:73:16)',
        '    at file:///work/main/src/proxy/forward.ts:152:21',
        '    at process.processTicksAndRejections (node:internal/process/task_queues:104:5)',
        '',
        'Node.js v24.21.0',
      ].join('\n'),
    );
    assert.equal(
      crashSummary(log),
      'TypeError: code.startsWith is not a function | at upstreamErrorCode (file:///work/main/src/proxy/forward.ts:73:16)',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
