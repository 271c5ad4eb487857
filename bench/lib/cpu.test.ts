import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { it } from 'node:test';
import { formatCpuUse, machineTicks, processTicks, startCpuWindow } from './cpu.ts';

const onLinux = process.platform === 'linux';

it('reads a process CPU time and the machine CPU time from /proc', { skip: !onLinux && 'no /proc' }, () => {
  const mine = processTicks(process.pid);
  assert.ok(mine !== undefined && mine >= 0);
  const machine = machineTicks();
  assert.ok(machine && machine.total > machine.idle && machine.idle >= 0);
  assert.equal(processTicks(undefined), undefined);
  assert.equal(processTicks(2 ** 22 + 12345), undefined, 'no such pid');
});

it('charges a busy process its CPU per request, and an idle one about none', {
  skip: !onLinux && 'no /proc',
}, async () => {
  // a child that spins for ~400 ms of CPU, and one that sleeps
  const busy = spawn(process.execPath, ['-e', 'const end = Date.now() + 400; while (Date.now() < end);']);
  const idle = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600)']);
  const exited = Promise.all([once(busy, 'exit'), once(idle, 'exit')]);
  const window = startCpuWindow([
    { name: 'busy', pid: busy.pid },
    { name: 'idle', pid: idle.pid },
    { name: 'gone', pid: undefined },
  ]);
  // read while the busy child still spins (it stops at 400 ms)
  await new Promise((resolve) => setTimeout(resolve, 300));
  const use = window.finish(1000);
  busy.kill();
  idle.kill();
  await exited;
  assert.ok(use);
  // up to ~300 ms (its start-up included) over 1000 requests: up to ~300 µs each
  assert.ok(use.usPerRequest.busy! > 100 && use.usPerRequest.busy! < 500, `busy ${use.usPerRequest.busy}`);
  assert.ok(use.usPerRequest.idle! < 150, `idle ${use.usPerRequest.idle}`);
  assert.equal('gone' in use.usPerRequest, false);
  assert.ok(use.machineBusyPct > 0 && use.machineBusyPct <= 100);
  assert.match(formatCpuUse(use), /^CPU per request: busy \d+\.\d µs, idle \d+\.\d µs; machine \d+% busy$/);
});

it('reports nothing for a window without requests', { skip: !onLinux && 'no /proc' }, () => {
  assert.equal(startCpuWindow([{ name: 'me', pid: process.pid }]).finish(0), undefined);
});
