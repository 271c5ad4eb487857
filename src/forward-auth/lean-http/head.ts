import { type IncomingHttpHeaders, METHODS } from 'node:http';

/**
 * The request head of one forward-auth check, in the shape node:http gives it (so the same
 * check code reads either): method, origin-form target, `rawHeaders` ([name, value, …] as
 * sent) and `headers` (lower-case names, repeats folded by Node's rules).
 */
export interface LeanHead {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: string[];
  readonly headers: IncomingHttpHeaders;
  /** The client asked to close the connection after this answer (`Connection: close`). */
  readonly close: boolean;
}

/**
 * `incomplete`: the head has not fully arrived. `request`: a head in the lean subset, and
 * how many bytes it took. `other`: anything else (a body, chunked, an upgrade, HTTP/1.0,
 * an oversized or malformed head, an unusual target): node:http serves the connection.
 */
export type HeadResult =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'request'; readonly head: LeanHead; readonly size: number }
  | { readonly kind: 'other'; readonly why: string };

const INCOMPLETE: HeadResult = Object.freeze({ kind: 'incomplete' });
const other = (why: string): HeadResult => ({ kind: 'other', why });

const END = Buffer.from('\r\n\r\n');

/** RFC 9110 token: method and field names. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/**
 * A head holds field characters (VCHAR, SP, HTAB, obs-text) and CRLF line ends, nothing else:
 * this finds any other character, a CR not followed by LF included, and an LF not preceded
 * by CR (one pass over the head).
 */
const BAD_HEAD_CHAR = /[^\t\x20-\x7e\x80-\xff](?<!\r(?=\n))(?<!\r\n)/;
/**
 * Methods llhttp accepts in a request (any other token is its 400, HPE_INVALID_METHOD), but
 * CONNECT, whose target is not origin-form.
 */
const LEAN_METHODS: ReadonlySet<string> = new Set(METHODS.filter((m) => m !== 'CONNECT'));
/** Origin-form target: `/` then visible ASCII, as llhttp accepts in strict mode. */
const ORIGIN_FORM = /^\/[\x21-\x7e]*$/;

/**
 * Most header fields node:http reads in one head while `server.maxHeadersCount` is unset
 * (1000 on Node 24); one more is its 431 (HPE_HEADER_OVERFLOW), so the lean path declines it.
 */
const MAX_FIELDS = 1000;

/** Fields Node keeps only the first copy of (`_http_incoming.js` matchKnownFields). */
const FIRST_ONLY: ReadonlySet<string> = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/**
 * Parse one request head at the start of `buf`, strictly: only what a forward-auth peer
 * sends for a check (HTTP/1.1, origin-form target, no body, no upgrade) is accepted; every
 * other shape is `other` and goes to node:http, which answers it exactly as on any listener.
 * The lean path never guesses at an ambiguous message: it either understands the head
 * completely or declines it.
 */
export function parseHead(buf: Buffer, maxHeaderBytes: number): HeadResult {
  const end = buf.indexOf(END);
  if (end === -1) return buf.length > maxHeaderBytes ? other('head too large') : INCOMPLETE;
  if (end + 4 > maxHeaderBytes) return other('head too large');
  const text = buf.toString('latin1', 0, end);
  // one pass over the whole head: only field characters, and every CR / LF part of a CRLF
  if (BAD_HEAD_CHAR.test(text)) return other('control character or bare CR / LF');

  let eol = text.indexOf('\r\n');
  if (eol === -1) eol = text.length;
  const sp1 = text.indexOf(' ');
  const sp2 = text.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 === -1 || sp2 > eol) return other('request line');
  if (text.slice(sp2 + 1, eol) !== 'HTTP/1.1') return other('not HTTP/1.1');
  const method = text.slice(0, sp1);
  const url = text.slice(sp1 + 1, sp2);
  if (!LEAN_METHODS.has(method)) return other('method');
  if (!ORIGIN_FORM.test(url)) return other('target');

  const rawHeaders: string[] = [];
  const headers: IncomingHttpHeaders = Object.create(null);
  let close = false;
  let pos = eol + 2;
  while (pos < text.length) {
    let next = text.indexOf('\r\n', pos);
    if (next === -1) next = text.length;
    const colon = text.indexOf(':', pos);
    // no colon on this line, or a line starting with SP/HTAB (obs-fold) or ':'
    if (colon === -1 || colon >= next || colon === pos) return other('header line');
    if (rawHeaders.length >= 2 * MAX_FIELDS) return other('too many header fields');
    const name = text.slice(pos, colon);
    const lower = lowerName(name);
    if (lower === undefined) return other('header name');
    const value = trimmedSlice(text, colon + 1, next);
    pos = next + 2;
    // node:http drops it from `headers` (a plain object); kept here it would read differently
    if (lower === '__proto__') return other('header name');
    switch (lower) {
      case 'content-length':
        if (value !== '0' || headers['content-length'] !== undefined) return other('body');
        break;
      case 'transfer-encoding':
      case 'upgrade':
      case 'expect':
        return other(lower);
      case 'connection':
      case 'proxy-connection': // llhttp reads it as Connection
        if (!isKeepAliveOrClose(value)) return other('connection');
        if (value.toLowerCase().includes('close')) close = true;
        break;
    }
    rawHeaders.push(name, value);
    addHeader(headers, lower, value);
  }
  return { kind: 'request', head: { method, url, rawHeaders, headers, close }, size: end + 4 };
}

/** Field names seen before, as sent -> lower case (only valid tokens; bounded: a peer sends a few dozen spellings). */
const NAMES = new Map<string, string>();
const MAX_NAMES = 512;

/** The lower-case form of a field name, or undefined when it is not a token. */
function lowerName(name: string): string | undefined {
  const known = NAMES.get(name);
  if (known !== undefined) return known;
  if (!TOKEN.test(name)) return undefined;
  const lower = name.toLowerCase();
  if (NAMES.size < MAX_NAMES) NAMES.set(name, lower);
  return lower;
}

/** Fold a header into `headers` as node:http does (joinDuplicateHeaders: false). */
function addHeader(headers: IncomingHttpHeaders, lower: string, value: string): void {
  const bag = headers as Record<string, string | string[] | undefined>;
  const prior = bag[lower];
  if (prior === undefined) {
    bag[lower] = lower === 'set-cookie' ? [value] : value;
    return;
  }
  if (lower === 'set-cookie') (prior as string[]).push(value);
  else if (lower === 'cookie') bag[lower] = `${prior}; ${value}`;
  else if (!FIRST_ONLY.has(lower)) bag[lower] = `${prior}, ${value}`;
}

/** `Connection` values the lean path understands: keep-alive and/or close, nothing else. */
function isKeepAliveOrClose(value: string): boolean {
  for (const part of value.split(',')) {
    const t = part.trim().toLowerCase();
    if (t !== 'keep-alive' && t !== 'close') return false;
  }
  return true;
}

/** `s.slice(start, end)` without leading and trailing optional whitespace (one slice, not two). */
function trimmedSlice(s: string, start: number, end: number): string {
  let a = start;
  let b = end;
  while (a < b && (s.charCodeAt(a) === 0x20 || s.charCodeAt(a) === 0x09)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 0x20 || s.charCodeAt(b - 1) === 0x09)) b--;
  return s.slice(a, b);
}
