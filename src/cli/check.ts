import { type ConfigProblem, formatProblem, loadConfigFile, withLine } from '../config/index.ts';
import { buildEngine } from '../decision/index.ts';
import { engineParts } from '../server/parts.ts';
import { Propagation } from '../server/propagation.ts';

export interface CheckOutput {
  readonly ok: boolean;
  readonly problems: readonly ConfigProblem[];
}

/**
 * `gatehouse check -c FILE`: schema, semantic checks, compilation and lint, all reported at
 * once with JSON pointers and lines. Exit 0 when there is no error (warnings allowed), 1 otherwise.
 */
export async function checkConfig(file: string): Promise<CheckOutput> {
  const loaded = await loadConfigFile(file);
  if (!loaded.ok) return { ok: false, problems: loaded.problems };
  const locate = (ps: readonly ConfigProblem[]) => ps.map((p) => withLine(p, loaded.source));
  const keys = locate(new Propagation().prepare(loaded.config, Date.now() / 1000).problems);
  const raw = buildEngine(loaded.config, 0, engineParts({ checkOnly: true }));
  const built = raw.ok
    ? { ...raw, warnings: locate(raw.warnings) }
    : { ...raw, problems: locate(raw.problems) };
  const keyErrors = keys.filter((p) => p.severity === 'error');
  if (!built.ok || keyErrors.length > 0) {
    return { ok: false, problems: [...(built.ok ? [] : built.problems), ...keys, ...loaded.warnings] };
  }
  built.engine.close();
  return { ok: true, problems: [...loaded.warnings, ...keys, ...built.warnings] };
}

export async function runCheck(file: string, out: (s: string) => void, json: boolean): Promise<number> {
  const result = await checkConfig(file);
  if (json) {
    out(JSON.stringify({ ok: result.ok, problems: result.problems }, null, 2));
    return result.ok ? 0 : 1;
  }
  for (const p of result.problems) out(formatProblem(p, file));
  const errors = result.problems.filter((p) => p.severity === 'error').length;
  const warnings = result.problems.length - errors;
  out(
    result.ok
      ? `${file}: ok (${warnings} warning${warnings === 1 ? '' : 's'})`
      : `${file}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`,
  );
  return result.ok ? 0 : 1;
}
