/**
 * Request-target normalisation: the one canonical path that routing, policy and the
 * upstream request all use. Anything two servers could read two ways is refused with 400
 * rather than guessed at.
 */
import { mergeSlashes, removeDotSegments } from './dot-segments.ts';
import { parseHostValue } from './host.ts';
import { canonicalisePathEncoding, readPercent } from './path-encoding.ts';

export interface NormaliseOptions {
  /** Collapse runs of slashes (`//a///b` -> `/a/b`) before removing dot segments. No default: say it. */
  mergeSlashes: boolean;
  /**
   * Treat `;` (and `%3B`) in the path as an ordinary character. Default false: a `;`
   * is refused as ambiguous, because servers such as Tomcat strip `;params` from each
   * segment (`/public/..;/admin` is `/admin` to them, `/public/...` to a prefix match).
   */
  allowSemicolons?: boolean;
}

export type TargetResult =
  | { ok: true; path: string; query: string }
  | {
      ok: false;
      code: 'ERR_REQUEST_TARGET_INVALID' | 'ERR_REQUEST_TARGET_AMBIGUOUS' | 'ERR_REQUEST_HOST_MISMATCH';
      detail: string;
    };

type Failure = Extract<TargetResult, { ok: false }>;

const ABSOLUTE_FORM = /^https?:\/\//i;

/**
 * Normalise a request target into `{ path, query }`.
 *
 * - `rawTarget` is Node's `req.url` (bytes read as latin1). Origin-form (`/p?q`) and
 *   absolute-form (`http(s)://host[:port]/p?q`, whose host must equal `host`, port and one
 *   trailing dot ignored) are accepted; asterisk-form, authority-form and anything else
 *   are `ERR_REQUEST_TARGET_INVALID`.
 * - `host` is the request host from `parseHost` (lower-case, no port).
 * - The path is canonical: unreserved escapes decoded, other escapes upper-case hex, raw
 *   characters RFC 3986 forbids in a path encoded, slashes merged if asked, dot segments
 *   removed. It starts with `/` and keeps its case. Normalising it again changes nothing.
 * - The query is returned raw (without `?`), checked for control characters, non-ASCII,
 *   `#` and malformed escapes. A raw `\` is allowed in the query: it cannot change the path.
 *
 * Detail strings name the rule broken, never the request's text (a query may hold a token).
 */
export function normaliseTarget(rawTarget: string, host: string, options: NormaliseOptions): TargetResult {
  if (rawTarget.length === 0) return invalid('empty request target');
  for (let i = 0; i < rawTarget.length; i++) {
    const c = rawTarget.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return invalid('control, space or non-ASCII character in request target');
    if (c === 0x23) return invalid('fragment in request target');
  }

  const q = rawTarget.indexOf('?');
  const beforeQuery = q === -1 ? rawTarget : rawTarget.slice(0, q);
  const query = q === -1 ? '' : rawTarget.slice(q + 1);
  if (beforeQuery.includes('\\')) return ambiguous('backslash in request target');

  let rawPath: string;
  if (beforeQuery.charCodeAt(0) === 0x2f) {
    rawPath = beforeQuery;
  } else if (ABSOLUTE_FORM.test(beforeQuery)) {
    const split = splitAbsoluteForm(beforeQuery, host);
    if (typeof split !== 'string') return split;
    rawPath = split;
  } else {
    return invalid('request target is not origin-form or absolute-form');
  }

  if (!isValidQuery(query)) return invalid('invalid percent-encoding in query');

  const encoded = canonicalisePathEncoding(rawPath, options.allowSemicolons === true);
  if (!encoded.ok) return encoded;
  const merged = options.mergeSlashes ? mergeSlashes(encoded.path) : encoded.path;
  return { ok: true, path: removeDotSegments(merged), query };
}

/** The path of an absolute-form target (`/` when empty), or a failure. */
function splitAbsoluteForm(target: string, host: string): string | Failure {
  const authorityStart = target.indexOf('//') + 2;
  const slash = target.indexOf('/', authorityStart);
  const authority = slash === -1 ? target.slice(authorityStart) : target.slice(authorityStart, slash);
  const parsed = parseHostValue(authority);
  if (!parsed.ok) return invalid('invalid authority in absolute-form target');
  if (parsed.host !== canonicalHost(host)) {
    return {
      ok: false,
      code: 'ERR_REQUEST_HOST_MISMATCH',
      detail: 'absolute-form host differs from Host header',
    };
  }
  return slash === -1 ? '/' : target.slice(slash);
}

/** The Host header's host as `parseHostValue` would write it; tolerant of one trailing dot. */
function canonicalHost(host: string): string {
  const parsed = parseHostValue(host);
  return parsed.ok ? parsed.host : host;
}

/** Every `%` in the query starts a well-formed escape. Characters were checked by the caller. */
function isValidQuery(query: string): boolean {
  for (let i = query.indexOf('%'); i !== -1; i = query.indexOf('%', i + 3)) {
    if (readPercent(query, i) < 0) return false;
  }
  return true;
}

function invalid(detail: string): Failure {
  return { ok: false, code: 'ERR_REQUEST_TARGET_INVALID', detail };
}

function ambiguous(detail: string): Failure {
  return { ok: false, code: 'ERR_REQUEST_TARGET_AMBIGUOUS', detail };
}
