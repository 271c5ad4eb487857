/**
 * Regular expressions from policy files run against request data (headers, claims, paths),
 * so they must not backtrack catastrophically. JavaScript has no RE2; instead patterns are
 * restricted at load to an RE2-like subset: no backreferences, no lookarounds, no unbounded
 * repetition of a group that itself repeats or alternates (`(a+)+`, `(a|ab)*`), at most
 * 512 characters. Matching is anchored: the pattern must match the whole value.
 */

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

/** Compile `pattern` anchored (`^(?:pattern)$`, unicode mode) after the safety checks. */
export function compileSafeRegex(pattern: string): SafeRegexResult {
  const problem = regexSafetyProblem(pattern);
  if (problem) return { ok: false, message: problem };
  try {
    return { ok: true, regex: new RegExp(`^(?:${pattern})$`, 'u') };
  } catch (err) {
    return { ok: false, message: `invalid regular expression: ${(err as Error).message}` };
  }
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
