/**
 * CPU time of the processes under test, read from Linux's /proc around a measured window, so
 * a load scenario can say where the machine's time went: µs of CPU (user + system) per
 * request for each process, and how busy the whole machine was. On a shared two-core machine
 * this is what explains a ratio (which process is the bottleneck, or whether none is and the
 * cores are simply full). Elsewhere (no /proc) every reading is undefined and nothing is reported.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ): 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** A process to account for: its name in the report and its pid. */
export interface CpuSubject {
  readonly name: string;
  readonly pid: number | undefined;
}

/** CPU use during one measured window. */
export interface CpuUse {
  /** µs of CPU (user + system) per request, per process name (several of one name are added). */
  readonly usPerRequest: Record<string, number>;
  /** Share of the machine's CPU time that was not idle during the window, in percent (all cores). */
  readonly machineBusyPct: number;
}

/** user + system CPU time of a process in ticks, or undefined when it cannot be read. */
export function processTicks(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // the command name (field 2) is in parentheses and may hold spaces: count fields after it
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

/** The machine's CPU time in ticks (all cores): total, and idle (idle + iowait). */
export function machineTicks(): { total: number; idle: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const line = stat.split('\n', 1)[0]!;
  if (!line.startsWith('cpu ')) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (v.length < 8 || v.some((n) => !Number.isFinite(n))) return undefined;
  return { total: v.reduce((a, b) => a + b, 0), idle: v[3]! + v[4]! };
}

/** A reading taken before the window; `finish` after it gives the CPU use per request. */
export interface CpuWindow {
  finish(requests: number): CpuUse | undefined;
}

/** Start accounting for `subjects` (read again at `finish`; the set is fixed at the start). */
export function startCpuWindow(subjects: readonly CpuSubject[]): CpuWindow {
  const before = subjects.map((s) => ({ ...s, ticks: processTicks(s.pid) }));
  const machineBefore = machineTicks();
  return {
    finish(requests) {
      const machineAfter = machineTicks();
      if (!machineBefore || !machineAfter || !(requests > 0)) return undefined;
      const usPerRequest: Record<string, number> = {};
      for (const s of before) {
        const after = processTicks(s.pid);
        if (s.ticks === undefined || after === undefined) continue;
        const us = ((after - s.ticks) * 1e6) / TICKS_PER_SECOND / requests;
        usPerRequest[s.name] = round1((usPerRequest[s.name] ?? 0) + us);
      }
      const total = machineAfter.total - machineBefore.total;
      const idle = machineAfter.idle - machineBefore.idle;
      const machineBusyPct = total > 0 ? round1(((total - idle) * 100) / total) : 0;
      return { usPerRequest, machineBusyPct };
    },
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** One line for the progress log: `gatehouse 26.1 µs, nginx 19.8 µs; machine 86% busy`. */
export function formatCpuUse(use: CpuUse): string {
  const parts = Object.entries(use.usPerRequest)
    .sort((a, b) => b[1] - a[1])
    .map(([name, us]) => `${name} ${us.toFixed(1)} µs`);
  return `CPU per request: ${parts.join(', ') || 'n/a'}; machine ${use.machineBusyPct.toFixed(0)}% busy`;
}
