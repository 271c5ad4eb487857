/**
 * Host header parsing: one canonical host name per request, the key routing, policy and
 * the assertion binding all use.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type HostResult = { ok: true; host: string; port?: number } | { ok: false; detail: string };

/** RFC 1035 limit on a name's length, without the trailing dot. */
const MAX_NAME_LENGTH = 253;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** A last label WHATWG URL would read as a number, so the name would be an IPv4 address. */
const NUMERIC_LABEL = /^(?:[0-9]+|0x[0-9a-f]*)$/;

/**
 * The Host of an HTTP/1.1 request, from Node's `req.rawHeaders` (name/value pairs).
 * Exactly one Host header is required: Node's `req.headers.host` silently keeps the first
 * of several, which would let two components read two different hosts.
 */
export function parseHost(rawHeaders: readonly string[]): HostResult {
  let value: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue;
    if (value !== undefined) return { ok: false, detail: 'Host header repeated' };
    value = rawHeaders[i + 1]!;
  }
  if (value === undefined) return { ok: false, detail: 'Host header missing' };
  return parseHostValue(value);
}

/**
 * Parse one `host[:port]` value (Host, X-Forwarded-Host, `:authority`, absolute-form
 * authority). The host comes back lower-case with one trailing dot removed; an IPv6
 * literal keeps its brackets and is written in RFC 5952 form (`[::1]`). The port, when
 * present, is 1-65535. Userinfo, spaces, commas, slashes, `_`, IPv6 zone ids and
 * non-ASCII are refused.
 */
export function parseHostValue(value: string): HostResult {
  const known = ACCEPTED.get(value);
  if (known !== undefined) return known;
  const result = parseHostUncached(value);
  if (result.ok) {
    // a peer names a handful of hosts; a flood of distinct ones only empties the memo
    if (ACCEPTED.size >= MAX_ACCEPTED) ACCEPTED.clear();
    ACCEPTED.set(value, Object.freeze(result));
  }
  return result;
}

/** Host values parsed before and accepted -> their (frozen) result: every request parses one or two. */
const ACCEPTED = new Map<string, HostResult>();
const MAX_ACCEPTED = 1024;

function parseHostUncached(value: string): HostResult {
  if (value.length === 0) return fail('empty host');
  let hostPart: string;
  let portPart: string | undefined;
  if (value.charCodeAt(0) === 0x5b) {
    const end = value.indexOf(']');
    if (end === -1) return fail('unterminated IPv6 literal');
    hostPart = value.slice(0, end + 1);
    const rest = value.slice(end + 1);
    if (rest !== '') {
      if (rest.charCodeAt(0) !== 0x3a) return fail('unexpected characters after IPv6 literal');
      portPart = rest.slice(1);
    }
  } else {
    const colon = value.indexOf(':');
    hostPart = colon === -1 ? value : value.slice(0, colon);
    portPart = colon === -1 ? undefined : value.slice(colon + 1);
  }

  let port: number | undefined;
  if (portPart !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portPart)) return fail('invalid port');
    port = Number(portPart);
    if (port < 1 || port > 65535) return fail('port out of range');
  }

  const host = hostPart.charCodeAt(0) === 0x5b ? canonicalIpv6(hostPart) : canonicalName(hostPart);
  if (host === undefined) return fail('invalid host name');
  return port === undefined ? { ok: true, host } : { ok: true, host, port };
}

/** `[literal]` in canonical form, or undefined. Zone ids and IPvFuture are refused. */
function canonicalIpv6(bracketed: string): string | undefined {
  const inner = bracketed.slice(1, -1);
  if (!/^[0-9A-Fa-f:.]+$/.test(inner) || !isIPv6(inner)) return undefined;
  try {
    return new URL(`http://[${inner}]/`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * A DNS name (RFC 1123 labels) or dotted-quad IPv4, lower-cased, one trailing dot dropped.
 * Characters are checked before lower-casing: `toLowerCase` maps some non-ASCII letters
 * (the Kelvin sign) onto ASCII ones.
 */
function canonicalName(name: string): string | undefined {
  if (!/^[A-Za-z0-9.-]+$/.test(name)) return undefined;
  let lower = name.toLowerCase();
  if (lower.endsWith('.')) lower = lower.slice(0, -1);
  if (lower.length === 0 || lower.length > MAX_NAME_LENGTH) return undefined;
  const labels = lower.split('.');
  for (const label of labels) {
    if (!LABEL.test(label)) return undefined;
  }
  // `127.1`, `0x7f.0.0.1` or `2130706433` would be an address to a WHATWG URL parser but a
  // name to a DNS resolver: accept only the dotted-quad spelling.
  if (NUMERIC_LABEL.test(labels[labels.length - 1]!) && !isIPv4(lower)) return undefined;
  return lower;
}

function fail(detail: string): HostResult {
  return { ok: false, detail };
}
