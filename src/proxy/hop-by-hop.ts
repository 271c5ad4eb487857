/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) are meaningful only for one connection and are never
 * forwarded, in either direction. Headers named in `Connection` are hop-by-hop too.
 * `expect` is answered by Gatehouse itself (100-continue), never forwarded.
 */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'http2-settings',
]);

/** Names listed in a Connection header value (lower-case), or an empty set. */
export function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const joined = Array.isArray(value) ? value.join(',') : value;
  const out = new Set<string>();
  for (const token of joined.split(',')) {
    const t = token.trim().toLowerCase();
    if (t) out.add(t);
  }
  return out.size > 0 ? out : undefined;
}
