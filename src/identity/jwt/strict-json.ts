/**
 * JSON.parse keeps the last of two equal keys, so `{"alg":"RS256","alg":"none"}` means
 * different things to different parsers. JOSE headers and JWT claims sets with duplicate
 * member names are refused (RFC 7515 §4, RFC 7519 §4), and so is anything deeper than
 * {@link MAX_JSON_DEPTH}.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Parses `text` as JSON and returns the value, or `undefined` when it is not valid JSON,
 * holds a duplicate member name in any object (compared after unescaping, so `"a"` and
 * `"\u0061"` are the same name) or nests deeper than {@link MAX_JSON_DEPTH}.
 */
export function parseStrictJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return hasDuplicateOrDeepMembers(text) ? undefined : value;
}

/**
 * Scans text that JSON.parse has accepted (so its grammar is known to be valid) for objects
 * with two members of one name. Each object keeps the names seen so far; a string is a name
 * when it follows `{` or `,` inside an object.
 */
function hasDuplicateOrDeepMembers(text: string): boolean {
  const stack: (Set<string> | null)[] = [];
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      i++;
      while (text.charCodeAt(i) !== 0x22) {
        if (text.charCodeAt(i) === 0x5c /* \ */) i++;
        i++;
      }
      const names = stack.at(-1);
      if (expectName && names) {
        const raw = text.slice(start, i + 1);
        const name = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (names.has(name)) return true;
        names.add(name);
        expectName = false;
      }
    } else if (c === 0x7b /* { */) {
      stack.push(new Set());
      if (stack.length > MAX_JSON_DEPTH) return true;
      expectName = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
      if (stack.length > MAX_JSON_DEPTH) return true;
      expectName = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectName = false;
    } else if (c === 0x2c /* , */) {
      expectName = stack.at(-1) != null;
    }
  }
  return false;
}
