import { setFlagsFromString } from 'node:v8';

/**
 * Regular expressions from policy files run against request data (headers, claims, paths),
 * so they must not backtrack catastrophically. Two defences:
 * - At load, patterns are restricted to an RE2-like subset: no backreferences, no
 *   lookarounds, no unbounded repetition of a group that itself repeats or alternates
 *   (`(a+)+`, `(a|ab)*`), at most 512 characters.
 * - At run time, V8 switches a regular expression to its linear-time engine once it has
 *   backtracked too much (`--enable-experimental-regexp-engine-on-excessive-backtracks`, set
 *   below for the whole process). That engine takes exactly the subset above, but not
 *   unicode mode: patterns are compiled without the `u` flag unless they need it (`\p{…}`,
 *   `\u{…}`, characters beyond the BMP), and a pattern that needs it may hold at most one
 *   unbounded quantifier, since nothing bounds its backtracking (`.*\..*\..*` is exponential in
 *   the input for the backtracking engine).
 * Matching is anchored: the pattern must match the whole value.
 */
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

export const MAX_REGEX_LENGTH = 512;

export type SafeRegexResult =
  | { readonly ok: true; readonly regex: RegExp }
  | { readonly ok: false; readonly message: string };

interface Group {
  /** The group contains an unbounded quantifier (`*`, `+`, `{n,}`). */
  repeats: boolean;
  /** The group contains `|` at its own level. */
  alternates: boolean;
}

/**
 * Compile `pattern` anchored (`^(?:pattern)$`) after the safety checks. Its syntax is checked
 * in unicode mode; it runs without it (so V8's linear-time fallback applies) unless it needs it.
 */
export function compileSafeRegex(pattern: string): SafeRegexResult {
  const problem = regexSafetyProblem(pattern);
  if (problem) return { ok: false, message: problem };
  const source = `^(?:${pattern})$`;
  try {
    const unicode = new RegExp(source, 'u');
    if (!NEEDS_UNICODE.test(pattern)) return { ok: true, regex: new RegExp(source) };
    if (unboundedQuantifiers(pattern) > 1)
      return {
        ok: false,
        message:
          'a pattern that needs unicode mode (\\p{…}, \\u{…} or characters beyond the BMP) may hold at most one unbounded quantifier (*, +, {n,})',
      };
    return { ok: true, regex: unicode };
  } catch (err) {
    return { ok: false, message: `invalid regular expression: ${(err as Error).message}` };
  }
}

/** What only unicode mode reads as meant: property escapes, code point escapes, astral characters. */
const NEEDS_UNICODE = /\\[pP]\{|\\u\{|[\uD800-\uDFFF]/;

/** How many unbounded quantifiers (`*`, `+`, `{n,}`) a pattern holds outside character classes. */
function unboundedQuantifiers(pattern: string): number {
  let count = 0;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') i += 2;
    else if (c === '[') i = skipClass(pattern, i);
    else {
      i++;
      if (c === '(') continue;
    }
    const q = quantifierAt(pattern, i);
    if (q.unbounded) count++;
    i = Math.max(q.end, i);
  }
  return count;
}

/** Why `pattern` is refused, or undefined when it is acceptable. */
export function regexSafetyProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_REGEX_LENGTH)
    return `regular expression longer than ${MAX_REGEX_LENGTH} characters`;
  const stack: Group[] = [{ repeats: false, alternates: false }];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    const top = stack[stack.length - 1]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k')
        return 'backreferences are not allowed in policy regular expressions';
      i += 2;
      i = afterQuantifier(pattern, i, top);
      continue;
    }
    if (c === '[') {
      i = skipClass(pattern, i);
      i = afterQuantifier(pattern, i, top);
      continue;
    }
    if (c === '(') {
      if (
        pattern.startsWith('(?=', i) ||
        pattern.startsWith('(?!', i) ||
        pattern.startsWith('(?<=', i) ||
        pattern.startsWith('(?<!', i)
      ) {
        return 'lookaround assertions are not allowed in policy regular expressions';
      }
      stack.push({ repeats: false, alternates: false });
      i++;
      continue;
    }
    if (c === ')') {
      if (stack.length === 1) return 'unbalanced parenthesis';
      const group = stack.pop()!;
      const parent = stack[stack.length - 1]!;
      const q = quantifierAt(pattern, i + 1);
      if (q.unbounded && (group.repeats || group.alternates)) {
        return group.repeats
          ? 'nested repetition such as (a+)+ can backtrack catastrophically; simplify the pattern'
          : 'repeated alternation such as (a|ab)* can backtrack catastrophically; use a character class or a bounded count';
      }
      parent.repeats ||= group.repeats || q.unbounded;
      i = q.end;
      continue;
    }
    if (c === '|') top.alternates = true;
    i++;
    i = afterQuantifier(pattern, i, top);
  }
  if (stack.length !== 1) return 'unbalanced parenthesis';
  return undefined;
}

function afterQuantifier(pattern: string, i: number, top: Group): number {
  const q = quantifierAt(pattern, i);
  if (q.unbounded) top.repeats = true;
  return q.end;
}

/** The quantifier starting at `i` (if any): where it ends and whether it is unbounded. */
function quantifierAt(pattern: string, i: number): { end: number; unbounded: boolean } {
  const c = pattern[i];
  let end = i;
  let unbounded = false;
  if (c === '*' || c === '+') {
    unbounded = true;
    end = i + 1;
  } else if (c === '?') {
    end = i + 1;
  } else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i, i + 24));
    if (m) {
      unbounded = m[2] !== undefined && m[3] === '';
      end = i + m[0].length;
    }
  }
  if (end > i && pattern[end] === '?') end++; // lazy modifier
  return { end, unbounded };
}

function skipClass(pattern: string, i: number): number {
  let j = i + 1;
  if (pattern[j] === '^') j++;
  if (pattern[j] === ']') j++;
  while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
  return j + 1;
}
