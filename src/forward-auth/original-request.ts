import { type IncomingHttpHeaders, METHODS } from 'node:http';
import type { RequestInfo } from '../model/index.ts';
import { REFUSED_METHODS } from '../proxy/index.ts';
import { normaliseTarget, parseHostValue } from '../routing/index.ts';
import type { OriginalRequest } from './adapter.ts';
import { DESCRIPTOR_HEADERS, type Failure, invalid } from './description.ts';

/** Methods the proxy serves: those Node's parser knows, but the ones it refuses (TRACE, CONNECT…). */
const KNOWN_METHODS: ReadonlySet<string> = new Set(METHODS.filter((m) => !REFUSED_METHODS.has(m)));
const DROPPED: ReadonlySet<string> = new Set([
  ...DESCRIPTOR_HEADERS,
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
]);

/** Where a check came from, and how paths are normalised (the proxy's settings). */
export interface CheckContext {
  readonly id: string;
  /** Address of the ingress that asked. */
  readonly peerAddress: string;
  /** The client behind the ingress (X-Forwarded-For walked over trusted hops, or Envoy's source). */
  readonly clientAddress: string;
  /** Listener name (or `ext-authz`) for routes pinned to listeners. */
  readonly listener: string;
  /** Scheme when the peer does not say: the scheme of the connection it used. */
  readonly defaultScheme: 'http' | 'https';
  readonly mergeSlashes: boolean;
  readonly allowSemicolons: boolean;
}

/**
 * Normalise a rebuilt original request into the RequestInfo `decide()` takes, with exactly
 * the proxy's rules: the known-method list Node's parser enforces, `parseHostValue` for the
 * host and `normaliseTarget` for path and query. Anything the proxy would answer 400 is a
 * `request-invalid` failure here.
 */
export function toRequestInfo(
  original: OriginalRequest,
  headers: IncomingHttpHeaders,
  ctx: CheckContext,
  rawHeaders?: readonly string[],
): { ok: true; info: RequestInfo } | Failure {
  if (!KNOWN_METHODS.has(original.method)) return invalid('method is not one the proxy serves');
  const scheme = original.scheme ?? ctx.defaultScheme;
  if (scheme !== 'http' && scheme !== 'https') return invalid('scheme is not http or https');
  const host = parseHostValue(original.authority);
  if (!host.ok) return invalid(`host: ${host.detail}`);
  if (original.target.charCodeAt(0) !== 0x2f) return invalid('request target is not origin-form');
  // CheckContext carries NormaliseOptions' fields: passed as it is (no object per check)
  const target = normaliseTarget(original.target, host.host, ctx);
  if (!target.ok) return invalid(`target: ${target.detail}`);
  return {
    ok: true,
    info: {
      id: ctx.id,
      method: original.method,
      scheme,
      host: host.host,
      port: host.port ?? (scheme === 'https' ? 443 : 80),
      path: target.path,
      query: target.query,
      headers: originalHeaders(headers, original.authority),
      // as sent (describing headers included: they state the same request; Host is read from `headers`)
      ...(rawHeaders !== undefined ? { rawHeaders } : {}),
      peerAddress: ctx.peerAddress,
      clientAddress: ctx.clientAddress,
      listener: ctx.listener,
    },
  };
}

/**
 * The original request's headers as policy and authenticators see them: the auth request's
 * headers without those that described the request or framed the auth request, and Host
 * set to the original authority.
 */
export function originalHeaders(headers: IncomingHttpHeaders, authority: string): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { host: authority };
  for (const name in headers) {
    if (DROPPED.has(name)) continue;
    out[name] = headers[name];
  }
  return out;
}

/** A described method as the audit record keeps it: a method-shaped token up to 32 characters, else `INVALID`. */
const RECORDED_METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/;

/**
 * A RequestInfo for the audit record of a check that could not be rebuilt. The method is
 * whatever the peer described (any text a client put in `X-Forwarded-Method`): the record
 * keeps it only when it looks like a method.
 */
export function partialInfo(ctx: CheckContext, method: string, headers: IncomingHttpHeaders): RequestInfo {
  return {
    id: ctx.id,
    method: method === '' || RECORDED_METHOD.test(method) ? method : 'INVALID',
    scheme: ctx.defaultScheme,
    host: '',
    port: 0,
    path: '',
    query: '',
    headers,
    peerAddress: ctx.peerAddress,
    clientAddress: ctx.clientAddress,
    listener: ctx.listener,
  };
}
