/**
 * Config compile micro-benchmark over the decision fixtures (N routes, a 5-rule policy each):
 * - build: `buildEngine()` (src/decision) with the real parts (`engineParts`, src/server/parts.ts):
 *   every route's policy compiled, the route table built. The config is loaded once, untimed.
 * - load: `loadConfigText()` (src/config) of the same config as JSON text: YAML parse (JSON is
 *   YAML), schema validation, semantic checks: what a reload pays before compiling.
 * Repeated for the warm-up, then for at least the measured window (at least one run measured).
 * Usage: node micro/compile.ts '{"repoRoot","routes","mode","durationS","warmupS"}'
 * rps = runs per second; p50 = median run, p99 = slowest run (in ms).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchConfig } from './policy-fixtures.ts';
import { answer, runMain } from './timing.ts';

interface Input {
  repoRoot: string;
  routes: number;
  mode: 'build' | 'load';
  durationS: number;
  warmupS: number;
}

runMain<Input>(async (input) => {
  const src = (p: string) => pathToFileURL(join(input.repoRoot, 'src', p)).href;
  const { loadConfigText } = (await import(
    src('config/index.ts')
  )) as typeof import('../../src/config/index.ts');
  const { buildEngine } = (await import(
    src('decision/index.ts')
  )) as typeof import('../../src/decision/index.ts');
  const { engineParts } = (await import(
    src('server/parts.ts')
  )) as typeof import('../../src/server/parts.ts');

  const text = JSON.stringify(benchConfig(input.routes));
  const loaded = loadConfigText(text);
  if (!loaded.ok)
    return answer({ skipped: `bench config rejected: ${JSON.stringify(loaded.problems.slice(0, 3))}` });
  const config = loaded.config;
  const parts = engineParts({ checkOnly: true });
  const once = (): number => {
    const t0 = performance.now();
    if (input.mode === 'load') {
      if (!loadConfigText(text).ok) throw new Error('config rejected');
    } else {
      const built = buildEngine(config, 1, parts);
      if (!built.ok) throw new Error(`buildEngine failed: ${JSON.stringify(built.problems.slice(0, 3))}`);
      built.engine.close();
    }
    return performance.now() - t0;
  };

  const first = once();
  const warmEnd = performance.now() + input.warmupS * 1000 - first;
  while (performance.now() < warmEnd) once();
  const runs: number[] = [];
  const end = performance.now() + input.durationS * 1000;
  do runs.push(once());
  while (performance.now() < end);
  runs.sort((a, b) => a - b);
  const total = runs.reduce((s, v) => s + v, 0);
  const what = input.mode === 'load' ? 'loadConfigText' : 'buildEngine';
  answer({
    rps: runs.length / (total / 1000),
    p50Ms: runs[Math.floor((runs.length - 1) / 2)],
    p99Ms: runs.at(-1),
    errors: null,
    runs: runs.length,
    firstMs: first,
    note: `${what}, ${input.routes} routes x 5 rules (${(text.length / 1e6).toFixed(1)} MB of JSON): first run ${Math.round(first)} ms, then ${runs.length} measured: ${runs.map((r) => Math.round(r)).join(', ')} ms`,
  });
});
