import type { IncomingMessage } from 'node:http';
import type { CompiledRoute } from '../decision/index.ts';
import { GatehouseError } from '../errors/index.ts';
import type { RequestInfo } from '../model/index.ts';
import { connectionTokens, HOP_BY_HOP } from './hop-by-hop.ts';
import { isGatehouseHeader, isIdentityHeader, isRewriteHeader } from './hygiene.ts';

/** Headers Gatehouse sets itself for the upstream; incoming copies are dropped. */
const REBUILT = new Set([
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'forwarded',
  'x-request-id',
  'x-real-ip',
  // other client-address headers apps trust for IP allow-lists: only Gatehouse speaks for the client
  'true-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
]);

/**
 * Other headers that describe the client's connection (host, scheme, address) and that
 * frameworks read behind a proxy (Tornado's X-Scheme, IIS's Front-End-Https, ingress-nginx's
 * X-Original-Forwarded-For…): like `X-Forwarded-*`, passed on only from a trusted proxy.
 */
const CONNECTION_CLAIMS = new Set([
  'x-original-forwarded-for',
  'x-original-host',
  'x-host',
  'x-scheme',
  'x-url-scheme',
  'front-end-https',
]);

export interface UpstreamHeaderOptions {
  /** Whether the TCP peer is a trusted proxy (its forwarding headers are extended, not replaced). */
  readonly peerTrusted: boolean;
  /** Configured identity header names to strip in addition to the built-in list. */
  readonly identityHeaders?: ReadonlySet<string>;
  /** Extra headers set by Gatehouse after policy (assertion, claim headers). */
  readonly add?: readonly string[];
  /** Rewrites a Cookie header before it goes upstream (drops Gatehouse's own cookies); undefined drops it. */
  readonly cookie?: (value: string) => string | undefined;
}

/**
 * Build the upstream request headers as a flat [name, value, ...] list (what undici takes,
 * keeping repeated headers). Removes hop-by-hop headers (and those named in Connection, but
 * Host), identity headers a client may have forged, `X-Forwarded-*` and the other connection
 * claims from an untrusted peer, and Authorization unless the route forwards it. The reference
 * for users is docs/upstream-request.md.
 */
export function upstreamHeaders(
  req: IncomingMessage,
  info: RequestInfo,
  route: CompiledRoute,
  options: UpstreamHeaderOptions,
): string[] {
  const raw = req.rawHeaders;
  const named = connectionTokens(req.headers.connection);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    // CGI-style upstreams read `X_Forwarded_For` as `X-Forwarded-For`: compare with '_' folded
    const folded = lower.includes('_') ? lower.replaceAll('_', '-') : lower;
    if (HOP_BY_HOP.has(lower) || REBUILT.has(folded)) continue;
    // Host names the host that was decided: a client cannot make it hop-by-hop (`Connection: host`)
    if (named?.has(lower) && lower !== 'host') continue;
    // X-Forwarded-Ssl / -Scheme / -Prefix / -Server…: only a trusted proxy speaks for the connection
    if (!options.peerTrusted && (folded.startsWith('x-forwarded-') || CONNECTION_CLAIMS.has(folded)))
      continue;
    if (isIdentityHeader(lower, options.identityHeaders)) continue;
    if (isRewriteHeader(lower)) continue;
    if (lower === 'authorization' && !route.forwardAuthorization) continue;
    if (lower === 'cookie' && options.cookie) {
      const kept = options.cookie(raw[i + 1]!);
      if (kept) out.push(name, kept);
      continue;
    }
    out.push(name, raw[i + 1]!);
  }
  const h = req.headers;
  const peer = info.peerAddress.startsWith('::ffff:') ? info.peerAddress.slice(7) : info.peerAddress;
  const incomingXff = options.peerTrusted ? h['x-forwarded-for'] : undefined;
  out.push('x-forwarded-for', incomingXff ? `${incomingXff}, ${peer}` : peer);
  const proto =
    options.peerTrusted && typeof h['x-forwarded-proto'] === 'string' ? h['x-forwarded-proto'] : info.scheme;
  out.push('x-forwarded-proto', proto);
  const fwdHost =
    options.peerTrusted && typeof h['x-forwarded-host'] === 'string' ? h['x-forwarded-host'] : h.host;
  if (fwdHost) out.push('x-forwarded-host', fwdHost);
  out.push('x-request-id', info.id);
  if (options.add) out.push(...options.add);
  return out;
}

/**
 * Response headers from the upstream for the client: without hop-by-hop ones, without
 * Gatehouse's own namespace (`X-Gatehouse-*`: only Gatehouse speaks it), and without a
 * `Set-Cookie` that `keepSetCookie` refuses (Gatehouse's session cookies). A transfer coding
 * other than `chunked` (`gzip, chunked`) is refused: once the chunking is removed the client
 * would read coded bytes as the body (ERR_UPSTREAM_PROTOCOL, as nginx answers 502).
 */
export function downstreamHeaders(
  headers: Record<string, string | string[] | undefined>,
  requestId: string,
  keepSetCookie?: (line: string) => boolean,
): Record<string, string | string[]> {
  const te = headers['transfer-encoding'];
  if (te !== undefined && (typeof te !== 'string' || te.trim().toLowerCase() !== 'chunked'))
    throw new GatehouseError('ERR_UPSTREAM_PROTOCOL', 'transfer coding other than chunked');
  const named = connectionTokens(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || named?.has(name) || isGatehouseHeader(name)) continue;
    if (name === 'set-cookie' && keepSetCookie) {
      const kept = (Array.isArray(value) ? value : [value]).filter(keepSetCookie);
      if (kept.length > 0) out[name] = kept;
      continue;
    }
    out[name] = value;
  }
  out['x-request-id'] = requestId;
  return out;
}
