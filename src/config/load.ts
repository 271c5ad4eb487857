import { readFile } from 'node:fs/promises';
import { deepFreeze } from './freeze.ts';
import { parseConfigText, type SourceMap, withLine } from './parse.ts';
import type { ConfigProblem } from './problems.ts';
import { type Config, ConfigSchema } from './schema.ts';
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
  if (!parsed.ok) {
    // report the semantic problems of the parts that are well-formed too, all at once
    const extra =
      parsed.raw === undefined ? [] : lenientSemanticProblems(parsed.raw, parsed.problems, parsed.source);
    return { ok: false, problems: [...parsed.problems, ...extra], ...(file ? { file } : {}) };
  }
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

/**
 * Semantic checks over a config that failed the schema: each route and listener that is
 * well-formed on its own is checked, with its original index, so one run of `check` lists
 * schema and semantic problems together. Problems at pointers already reported are skipped.
 */
function lenientSemanticProblems(
  raw: unknown,
  reported: readonly ConfigProblem[],
  source?: SourceMap,
): ConfigProblem[] {
  if (!raw || typeof raw !== 'object') return [];
  const r = raw as Record<string, unknown>;
  const routes = Array.isArray(r.routes) ? r.routes : [];
  const listeners = Array.isArray(r.listeners) ? r.listeners : [];
  const base = ConfigSchema.safeParse({ listeners: [{ name: 'lenient', port: 0 }] });
  if (!base.success) return [];
  const RouteSchema = ConfigSchema.shape.routes.unwrap().element;
  const ListenerSchema = ConfigSchema.shape.listeners.element;
  const PoliciesSchema = ConfigSchema.shape.policies;
  const goodRoutes = routes.map((x) => RouteSchema.safeParse(x));
  const goodListeners = listeners.map((x) => ListenerSchema.safeParse(x));
  const policies = PoliciesSchema.safeParse(r.policies ?? {});
  const config = {
    ...base.data,
    listeners: goodListeners.filter((x) => x.success).map((x) => x.data),
    policies: policies.success ? policies.data : ((r.policies as Config['policies']) ?? {}),
    routes: goodRoutes.filter((x) => x.success).map((x) => x.data),
  } as Config;
  if (config.listeners.length === 0) config.listeners.push(...base.data.listeners);
  const routeIndex = goodRoutes.flatMap((x, i) => (x.success ? [i] : []));
  const listenerIndex = goodListeners.flatMap((x, i) => (x.success ? [i] : []));
  let problems: ConfigProblem[];
  try {
    problems = semanticProblems(config);
  } catch {
    return [];
  }
  const remap = (pointer: string) =>
    pointer
      .replace(/\/routes\/(\d+)/g, (_m, i: string) => `/routes/${routeIndex[Number(i)] ?? i}`)
      .replace(/\/listeners\/(\d+)/g, (_m, i: string) => `/listeners/${listenerIndex[Number(i)] ?? i}`);
  const seen = new Set(reported.map((p) => p.pointer));
  return problems
    .filter((p) => p.severity === 'error')
    .map((p) => ({
      ...p,
      pointer: remap(p.pointer),
      message: p.message.replace(
        /\/routes\/(\d+)/g,
        (_m, i: string) => `/routes/${routeIndex[Number(i)] ?? i}`,
      ),
    }))
    .filter((p) => !seen.has(p.pointer) && !p.message.includes('lenient'))
    .map((p) => withLine(p, source));
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
