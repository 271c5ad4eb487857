/**
 * Percent-encoding canonicalisation of a request path (the part before `?`).
 *
 * One canonical spelling per path, so that routing, policy and the upstream request read
 * the same bytes: encoded unreserved characters are decoded, every other escape is kept
 * with upper-case hex, and raw characters RFC 3986 does not allow in a path are encoded.
 * Escapes that change the path's structure for some server but not for another (`%2F`,
 * `%5C`, `%00`, `%3B`) and byte sequences that are not UTF-8 are refused as ambiguous.
 */

export type PathEncodingResult =
  | { ok: true; path: string }
  | { ok: false; code: 'ERR_REQUEST_TARGET_INVALID' | 'ERR_REQUEST_TARGET_AMBIGUOUS'; detail: string };

const HEX = '0123456789ABCDEF';

/**
 * Printable ASCII that RFC 3986 does not allow raw in a path. The canonical form encodes
 * them, so `/a{b` and `/a%7Bb` are one path for policy and upstream alike.
 */
const ENCODE_RAW = new Set(Array.from('"<>[]^`{|}', (c) => c.charCodeAt(0)));

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The value of one hex digit, or -1. */
export function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** The byte encoded by `%XX` at `s[i]`, or -1 when the escape is malformed. */
export function readPercent(s: string, i: number): number {
  if (i + 2 >= s.length) return -1;
  const hi = hexValue(s.charCodeAt(i + 1));
  const lo = hexValue(s.charCodeAt(i + 2));
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

/** RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~". */
export function isUnreserved(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5f ||
    c === 0x7e
  );
}

function encodeByte(b: number): string {
  return '%' + HEX[b >> 4] + HEX[b & 15];
}

/** Whether a run of bytes >= 0x80 is well-formed UTF-8 (no overlongs, surrogates or strays). */
function isUtf8(bytes: number[]): boolean {
  try {
    utf8.decode(Uint8Array.from(bytes));
    return true;
  } catch {
    return false;
  }
}

/**
 * Canonicalise the percent-encoding of `path`. The caller has already refused raw control
 * characters, raw non-ASCII, `#` and `\`; this function assumes printable ASCII.
 *
 * UTF-8 is checked per maximal run of encoded high bytes: ASCII bytes can never sit inside
 * a multi-byte sequence, so checking each run is the same as checking the whole path.
 */
export function canonicalisePathEncoding(path: string, allowSemicolons: boolean): PathEncodingResult {
  if (isCanonicalAsIs(path, allowSemicolons)) return { ok: true, path };
  let out = '';
  let run: number[] = [];
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c !== 0x25) {
      if (run.length > 0) {
        if (!isUtf8(run)) return ambiguous('percent-encoded bytes are not UTF-8');
        run = [];
      }
      if (c === 0x3b && !allowSemicolons) return ambiguous('";" in path');
      out += ENCODE_RAW.has(c) ? encodeByte(c) : path[i];
      continue;
    }
    const b = readPercent(path, i);
    if (b < 0)
      return { ok: false, code: 'ERR_REQUEST_TARGET_INVALID', detail: 'invalid percent-encoding in path' };
    i += 2;
    if (b === 0x2f) return ambiguous('encoded "/" (%2F) in path');
    if (b === 0x5c) return ambiguous('encoded "\\" (%5C) in path');
    if (b === 0x00) return ambiguous('encoded NUL (%00) in path');
    // Some servers decode before they strip matrix parameters: `/public/..%3B/admin`.
    if (b === 0x3b && !allowSemicolons) return ambiguous('encoded ";" (%3B) in path');
    if (b >= 0x80) {
      run.push(b);
    } else if (run.length > 0) {
      if (!isUtf8(run)) return ambiguous('percent-encoded bytes are not UTF-8');
      run = [];
    }
    out += isUnreserved(b) ? String.fromCharCode(b) : encodeByte(b);
  }
  if (run.length > 0 && !isUtf8(run)) return ambiguous('percent-encoded bytes are not UTF-8');
  return { ok: true, path: out };
}

function ambiguous(detail: string): PathEncodingResult {
  return { ok: false, code: 'ERR_REQUEST_TARGET_AMBIGUOUS', detail };
}

/**
 * Whether the path has nothing to canonicalise: no escape, no character to encode, no `;`
 * to refuse. Most paths are like this, and then the path is returned as it is (no string
 * built a character at a time).
 */
function isCanonicalAsIs(path: string, allowSemicolons: boolean): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0x25 || ENCODE_RAW.has(c) || (c === 0x3b && !allowSemicolons)) return false;
  }
  return true;
}
