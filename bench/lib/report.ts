/**
 * The report: ratios against baselines measured in the same run, the JSON object of
 * `--json`, and the human-readable table.
 */
import type { CpuUse } from './cpu.ts';
import type { Measurement, Scenario } from './types.ts';

/** What running one scenario gave. */
export type Outcome =
  | { measurement: Measurement; warning?: string }
  /** `failed`: an error or a crash, worth another round; otherwise a missing prerequisite. */
  | { skipped: string; failed?: boolean };

/** One scenario in the JSON report. Extra fields after the documented six. */
export interface ScenarioRow {
  name: string;
  rps: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Scenario the ratio is taken against; null for baselines. */
  baseline: string | null;
  /** rps / baseline rps; null for baselines or when either was skipped. */
  ratio: number | null;
  /** p99 / baseline p99. */
  p99Ratio: number | null;
  /** Failed requests during the measured window (null for micro-benchmarks). */
  errors: number | null;
  /** Whether the scenario's target holds; null when it has none or could not be judged. */
  targetMet: boolean | null;
  /** Why the scenario did not run; null when it did. */
  skipped: string | null;
  /** Something that casts doubt on the figures (e.g. a process under test crashed). */
  warning: string | null;
  /** Load scenarios on Linux: µs of CPU per request of each process under test, and the machine's busy share. */
  cpu: CpuUse | null;
}

export interface Meta {
  date: string;
  commit: string | null;
  node: string;
  cpus: number;
  loadTool: string | null;
  [key: string]: unknown;
}

export interface Report {
  scenarios: ScenarioRow[];
  meta: Meta;
}

/** Six significant digits: keeps nanosecond-scale lookups readable and large rps exact enough. */
function sig(value: number): number {
  return Number(value.toPrecision(6));
}

/** Builds the rows, in scenario order, computing ratios and targets. */
export function buildRows(scenarios: Scenario[], outcomes: Map<string, Outcome>): ScenarioRow[] {
  const measured = (name: string | null): Measurement | null => {
    const outcome = name ? outcomes.get(name) : undefined;
    return outcome && 'measurement' in outcome ? outcome.measurement : null;
  };
  return scenarios.map((scenario) => {
    const outcome = outcomes.get(scenario.name) ?? { skipped: 'not run' };
    const m = 'measurement' in outcome ? outcome.measurement : null;
    const base = measured(scenario.baseline);
    const ratio = m && base && base.rps > 0 ? Number((m.rps / base.rps).toFixed(3)) : null;
    const p99Ratio = m && base && base.p99Ms > 0 ? Number((m.p99Ms / base.p99Ms).toFixed(3)) : null;
    let targetMet: boolean | null = null;
    const target = scenario.target;
    // Ratio targets need the baseline's figures; absolute ones only the scenario's.
    const needsBaseline = target?.minRatio !== undefined || target?.maxP99Ratio !== undefined;
    if (target && m && (!needsBaseline || ratio !== null)) {
      targetMet =
        (target.minRatio === undefined || (ratio !== null && ratio >= target.minRatio)) &&
        (target.maxP99Ratio === undefined || (p99Ratio !== null && p99Ratio <= target.maxP99Ratio)) &&
        (target.maxP50Ms === undefined || m.p50Ms <= target.maxP50Ms) &&
        (target.maxP99Ms === undefined || m.p99Ms <= target.maxP99Ms);
    }
    return {
      name: scenario.name,
      rps: m ? sig(m.rps) : null,
      p50Ms: m ? sig(m.p50Ms) : null,
      p99Ms: m ? sig(m.p99Ms) : null,
      baseline: scenario.baseline,
      ratio,
      p99Ratio,
      errors: m ? m.errors : null,
      targetMet,
      skipped: 'skipped' in outcome ? outcome.skipped : null,
      warning: 'warning' in outcome ? (outcome.warning ?? null) : null,
      cpu: m?.cpu ?? null,
    };
  });
}

/** Latency with a unit that fits: ms, µs or ns. */
export function formatLatency(ms: number | null): string {
  if (ms === null) return '-';
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  if (ms >= 0.001) return `${(ms * 1000).toFixed(1)} µs`;
  return `${(ms * 1e6).toFixed(1)} ns`;
}

function formatRps(rps: number | null): string {
  if (rps === null) return '-';
  return Math.round(rps).toLocaleString('en-US');
}

/** The human-readable table (plain text, aligned columns) followed by skip reasons. */
export function formatTable(report: Report): string {
  const header = ['scenario', 'rps', 'p50', 'p99', 'baseline', 'ratio', 'p99 ratio', 'errors', 'target'];
  const rows = report.scenarios.map((r) => [
    r.name,
    r.skipped ? 'skipped' : formatRps(r.rps),
    formatLatency(r.p50Ms),
    formatLatency(r.p99Ms),
    r.baseline ?? '-',
    r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`,
    r.p99Ratio === null ? '-' : `${r.p99Ratio.toFixed(2)}x`,
    r.errors === null ? '-' : String(r.errors),
    r.targetMet === null ? '-' : r.targetMet ? 'met' : 'MISSED',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  const skipped = report.scenarios.filter((r) => r.skipped);
  if (skipped.length > 0) {
    out.push('', 'Skipped:');
    for (const r of skipped) out.push(`  ${r.name}: ${r.skipped}`);
  }
  const warned = report.scenarios.filter((r) => r.warning);
  if (warned.length > 0) {
    out.push('', 'Warnings:');
    for (const r of warned) out.push(`  ${r.name}: ${r.warning}`);
  }
  const m = report.meta;
  out.push(
    '',
    `${m.date}  commit ${m.commit ?? 'unknown'}  node ${m.node}  ${m.cpus} cpus  load ${m.loadTool ?? 'none'}`,
  );
  return `${out.join('\n')}\n`;
}
