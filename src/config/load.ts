import { readFile } from 'node:fs/promises';
import { deepFreeze } from './freeze.ts';
import { parseConfigText, type SourceMap, withLine } from './parse.ts';
import type { ConfigProblem } from './problems.ts';
import type { Config } from './schema.ts';
import { semanticProblems } from './semantic.ts';

export type LoadResult =
  | { ok: true; config: Config; warnings: ConfigProblem[]; source: SourceMap; file?: string }
  | { ok: false; problems: ConfigProblem[]; file?: string };

/**
 * Validate config text: YAML syntax, then the schema (all problems at once), then semantic
 * checks. A valid config is returned deep-frozen.
 */
export function loadConfigText(text: string, file?: string): LoadResult {
  const parsed = parseConfigText(text);
  if (!parsed.ok) return { ok: false, problems: parsed.problems, ...(file ? { file } : {}) };
  const semantic = semanticProblems(parsed.config).map((p) => withLine(p, parsed.source));
  const errors = semantic.filter((p) => p.severity === 'error');
  if (errors.length > 0) return { ok: false, problems: semantic, ...(file ? { file } : {}) };
  return {
    ok: true,
    config: deepFreeze(parsed.config),
    warnings: semantic,
    source: parsed.source,
    ...(file ? { file } : {}),
  };
}

/** Read and validate a config file. An unreadable file is one problem, not an exception. */
export async function loadConfigFile(file: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
    return {
      ok: false,
      file,
      problems: [{ severity: 'error', pointer: '', message: `cannot read config file (${code})` }],
    };
  }
  return loadConfigText(text, file);
}
