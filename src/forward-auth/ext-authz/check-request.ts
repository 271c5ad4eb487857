import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import type { OriginalRequest } from '../adapter.ts';
import { conflict, type Failure, invalid, missing } from '../description.ts';

/**
 * A decoded `envoy.service.auth.v3.CheckRequest` (proto field names, absent fields absent).
 * Everything is optional: a malformed request is a deny, never an exception.
 */
export interface CheckRequestMessage {
  readonly attributes?: {
    readonly source?: PeerMessage;
    readonly destination?: PeerMessage;
    readonly request?: {
      readonly http?: {
        readonly id?: string;
        readonly method?: string;
        readonly headers?: Record<string, string>;
        readonly header_map?: {
          readonly headers?: { key?: string; value?: string; raw_value?: Uint8Array }[];
        };
        readonly path?: string;
        readonly host?: string;
        readonly scheme?: string;
      };
    };
  };
}

interface PeerMessage {
  readonly address?: { readonly socket_address?: { readonly address?: string } };
  readonly principal?: string;
}

/** What a CheckRequest says about the original request. */
export interface CheckRequestFacts {
  readonly original: OriginalRequest;
  readonly headers: IncomingHttpHeaders;
  /** The header fields as Envoy sent them, `[name, value, …]` (pseudo-headers left out). */
  readonly rawHeaders: readonly string[];
  /** Envoy's request id (`x-request-id`). */
  readonly id?: string;
  /** The downstream client's address as Envoy saw it. */
  readonly sourceAddress?: string;
  /** The downstream peer's authenticated identity (mTLS URI SAN), when Envoy has one. */
  readonly sourcePrincipal?: string;
}

/** Header names Envoy lower-cases; pseudo-headers start with ':'. */
const HEADER_NAME = /^:?[!#$%&'*+.^_`|~0-9a-z-]+$/;
const HEADER_VALUE_BAD = /[\0\r\n]/;
const MAX_HEADER_COUNT = 500;

/**
 * Read the facts of a CheckRequest: method, path, host and scheme from
 * `attributes.request.http`; headers from `header_map` (raw, repeats kept) or `headers`. The
 * pseudo-headers Envoy includes must agree with those fields; the header block must fit
 * `maxHeaderBytes`.
 */
export function readCheckRequest(
  message: CheckRequestMessage | null | undefined,
  maxHeaderBytes: number,
): { ok: true; facts: CheckRequestFacts } | Failure {
  const attributes = message?.attributes;
  if (!attributes) return missing('CheckRequest without attributes');
  const http = attributes.request?.http;
  if (!http) return missing('CheckRequest without attributes.request.http');
  if (!http.method) return missing('attributes.request.http.method missing');
  if (!http.path) return missing('attributes.request.http.path missing');
  if (!http.host) return missing('attributes.request.http.host missing');

  const pairs = headerPairs(http);
  if (pairs.length > MAX_HEADER_COUNT) return invalid('too many headers');
  let bytes = 0;
  // no prototype: a header named `constructor` or `toString` is a header like any other
  const headers: IncomingHttpHeaders = Object.create(null);
  const pseudo = new Map<string, string>();
  const raw: string[] = [];
  for (const [name, value] of pairs) {
    bytes += name.length + value.length + 4;
    if (bytes > maxHeaderBytes) return invalid('headers exceed proxy.maxHeaderBytes');
    if (!HEADER_NAME.test(name) || HEADER_VALUE_BAD.test(value) || name === '__proto__')
      return invalid('malformed header');
    if (name.charCodeAt(0) === 0x3a) {
      if (pseudo.has(name)) return conflict(`${name} repeated`);
      pseudo.set(name, value);
      continue;
    }
    join(headers, name, value);
    raw.push(name, value);
  }
  for (const [name, field] of [
    [':method', http.method],
    [':path', http.path],
    [':authority', http.host],
  ] as const) {
    const v = pseudo.get(name);
    if (v !== undefined && v !== field) return conflict(`${name} disagrees with attributes.request.http`);
  }
  const hostHeader = headers.host;
  if (hostHeader !== undefined && hostHeader !== http.host)
    return conflict('host header disagrees with attributes.request.http.host');

  const source = attributes.source;
  const address = source?.address?.socket_address?.address;
  const facts: CheckRequestFacts = {
    original: {
      method: http.method,
      target: http.path,
      authority: http.host,
      ...(http.scheme ? { scheme: http.scheme.toLowerCase() } : {}),
    },
    headers,
    rawHeaders: raw,
    ...(http.id ? { id: http.id } : {}),
    ...(address && isIP(address) !== 0 ? { sourceAddress: address } : {}),
    ...(source?.principal ? { sourcePrincipal: source.principal } : {}),
  };
  return { ok: true, facts };
}

function headerPairs(
  http: NonNullable<NonNullable<CheckRequestMessage['attributes']>['request']>['http'],
): [string, string][] {
  const raw = http?.header_map?.headers;
  if (raw && raw.length > 0) {
    return raw.map((h) => [
      String(h.key ?? ''),
      h.raw_value && h.raw_value.length > 0
        ? Buffer.from(h.raw_value).toString('latin1')
        : String(h.value ?? ''),
    ]);
  }
  const map = http?.headers;
  if (!map) return [];
  return Object.entries(map).map(([k, v]) => [k, String(v)]);
}

/** Merge a repeated header the way Node's parser does: cookies with '; ', set-cookie kept apart, others ', '. */
function join(headers: IncomingHttpHeaders, name: string, value: string): void {
  const prior = headers[name];
  if (prior === undefined) {
    headers[name] = name === 'set-cookie' ? [value] : value;
    return;
  }
  if (Array.isArray(prior)) prior.push(value);
  else headers[name] = `${prior}${name === 'cookie' ? '; ' : ', '}${value}`;
}
