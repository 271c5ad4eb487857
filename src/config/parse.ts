import { isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type ConfigProblem, fromPointer, toPointer } from './problems.ts';
import { type Config, ConfigSchema } from './schema.ts';

/** A parsed YAML document that can answer "which line is this pointer on?". */
export interface SourceMap {
  locate(pointer: string): { line: number; column: number } | undefined;
}

/** Maximum config file size: a config is text a person writes, not a data dump. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

export type ParseResult =
  | { ok: true; config: Config; raw: unknown; source: SourceMap }
  | { ok: false; problems: ConfigProblem[]; source?: SourceMap; raw?: unknown };

/**
 * Parse YAML (JSON is YAML) and validate it against the schema, reporting every problem at
 * once, each with its JSON pointer and line.
 */
export function parseConfigText(text: string): ParseResult {
  if (text.length > MAX_CONFIG_BYTES) {
    return {
      ok: false,
      problems: [{ severity: 'error', pointer: '', message: 'config file is larger than 16 MiB' }],
    };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: true,
    strict: true,
  });
  const source = sourceMapOf(doc.contents as Node | null, lineCounter);
  if (doc.errors.length > 0) {
    return {
      ok: false,
      source,
      problems: doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return {
          severity: 'error',
          pointer: '',
          message: `YAML: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`,
          ...(pos ? { line: pos.line, column: pos.col } : {}),
        };
      }),
    };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return {
      ok: false,
      source,
      problems: [{ severity: 'error', pointer: '', message: `YAML: ${(err as Error).message}` }],
    };
  }
  if (raw === null || raw === undefined) raw = {};
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, source, raw, problems: zodProblems(parsed.error.issues, source) };
  }
  return { ok: true, config: parsed.data, raw, source };
}

/** Turn zod issues into located problems. Unknown keys point at the key itself. */
export function zodProblems(issues: readonly z.core.$ZodIssue[], source?: SourceMap): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      // a schema with its own message (e.g. policy rules: 'unknown criterion "grups" (did you mean "groups"?)')
      if (!issue.message.startsWith('Unrecognized key')) {
        out.push(
          withLine({ severity: 'error', pointer: toPointer(issue.path), message: issue.message }, source),
        );
        continue;
      }
      for (const key of issue.keys) {
        const pointer = toPointer([...issue.path, key]);
        out.push(withLine({ severity: 'error', pointer, message: `unknown key "${key}"` }, source));
      }
      continue;
    }
    if (issue.code === 'invalid_union' && issue.message === 'Invalid input' && issue.errors.length > 0) {
      // report the problems of the branch that got furthest (an object branch, not the string one)
      const best = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0]!;
      out.push(
        ...zodProblems(
          best.map((i) => ({ ...i, path: [...issue.path, ...i.path] })) as z.core.$ZodIssue[],
          source,
        ),
      );
      continue;
    }
    const pointer = toPointer(issue.path);
    let message = issue.message;
    if (issue.code === 'invalid_type' && message.endsWith('received undefined'))
      message = `required (${issue.expected})`;
    else if (issue.code === 'invalid_type') message = message.replace(/^Invalid input: /, '');
    const code =
      issue.code === 'invalid_union' && issue.message.startsWith('secrets are never written inline')
        ? 'ERR_CONFIG_SECRET_INLINE'
        : undefined;
    out.push(withLine({ severity: 'error', pointer, message, ...(code ? { code } : {}) }, source));
  }
  return out;
}

function depth(issues: readonly z.core.$ZodIssue[]): number {
  let max = 0;
  for (const i of issues)
    max = Math.max(max, i.path.length + (i.code === 'invalid_type' && i.path.length === 0 ? -1 : 0));
  return max;
}

/** Attach line/column to a problem using the source map (nearest existing ancestor). */
export function withLine(problem: ConfigProblem, source?: SourceMap): ConfigProblem {
  if (!source || problem.line !== undefined) return problem;
  const pos = source.locate(problem.pointer);
  return pos ? { ...problem, line: pos.line, column: pos.column } : problem;
}

function sourceMapOf(root: Node | null, lineCounter: LineCounter): SourceMap {
  return {
    locate(pointer) {
      let node: unknown = root;
      let best: unknown = root;
      for (const segment of fromPointer(pointer)) {
        if (isMap(node)) {
          const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === segment);
          if (!pair) break;
          best = pair.value ?? pair.key;
          node = pair.value;
          if (!node) {
            best = pair.key;
            break;
          }
          // for unknown keys the value may be absent; prefer the key's own position
          if (isScalar(pair.key) && !isMap(node) && !(node as { items?: unknown }).items) best = pair.key;
        } else if (node && typeof node === 'object' && 'items' in node && Array.isArray(node.items)) {
          const item = node.items[Number(segment)];
          if (!item) break;
          best = item;
          node = item;
        } else {
          break;
        }
      }
      const range = (best as { range?: [number, number, number] } | null)?.range;
      if (!range) return undefined;
      const pos = lineCounter.linePos(range[0]);
      return { line: pos.line, column: pos.col };
    },
  };
}
