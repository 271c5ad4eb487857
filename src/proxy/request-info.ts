import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { ErrorCode } from '../errors/index.ts';
import type { RequestInfo } from '../model/index.ts';
import { normaliseTarget, parseHost } from '../routing/index.ts';
import type { TrustedProxies } from './trusted-proxies.ts';

export interface ListenerContext {
  readonly name: string;
  readonly scheme: 'http' | 'https';
  readonly port: number;
  /** Whether this listener asks for client certificates. */
  readonly clientCertificates: 'none' | 'optional' | 'required';
}

export interface RequestInfoOptions {
  readonly mergeSlashes: boolean;
  readonly allowSemicolons?: boolean;
  readonly trustedProxies: TrustedProxies;
}

export type RequestInfoResult =
  | {
      ok: true;
      info: RequestInfo;
      /** Whether the TCP peer is a trusted proxy (its forwarding headers are believed). */
      peerTrusted: boolean;
    }
  | { ok: false; id: string; code: ErrorCode; detail: string; partial: RequestInfo };

/**
 * The parts of a request head the decision path reads: node:http's IncomingMessage has them,
 * and so does the lean engine of the dedicated forward-auth listener.
 */
export interface RequestHead {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly socket: Socket;
  /** Drain a body nobody reads (node:http); absent where there is none. */
  resume?(): unknown;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Methods Gatehouse never serves: TRACE / TRACK echo the request, identity headers included,
 * back to the client (cross-site tracing; nginx refuses them too), and CONNECT would open a
 * tunnel carrying requests nobody decides on. Forward-auth refuses a check describing one.
 */
export const REFUSED_METHODS: ReadonlySet<string> = new Set(['TRACE', 'TRACK', 'CONNECT']);

/** Whether a request id from a peer is acceptable (it is echoed into logs and headers). */
export function isRequestId(value: unknown): value is string {
  return typeof value === 'string' && REQUEST_ID.test(value);
}

/**
 * The client certificate chain of a TLS connection, read once per connection: it cannot
 * change on a connection (no renegotiation), and getPeerCertificate(true) costs tens of µs.
 */
const peerCertificates = new WeakMap<TLSSocket, { cert: PeerCertificate | undefined; authorized: boolean }>();
function peerCertificateOf(socket: TLSSocket): { cert: PeerCertificate | undefined; authorized: boolean } {
  let entry = peerCertificates.get(socket);
  if (!entry) {
    const cert = socket.getPeerCertificate(true);
    entry = { cert: cert && Object.keys(cert).length > 0 ? cert : undefined, authorized: socket.authorized };
    peerCertificates.set(socket, entry);
  }
  return entry;
}

/** The request id: a trusted proxy's `X-Request-Id` when well-formed, else a new UUID. */
export function requestIdFor(req: RequestHead, peerTrusted: boolean): string {
  if (peerTrusted) {
    const given = req.headers['x-request-id'];
    if (isRequestId(given)) return given;
  }
  return randomUUID();
}

/** Whether a header (lower-case name) appears more than once in Node's rawHeaders. */
function repeated(raw: readonly string[], name: string): boolean {
  let seen = false;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === name.length && n.toLowerCase() === name) {
      if (seen) return true;
      seen = true;
    }
  }
  return false;
}

/**
 * Build the canonical RequestInfo every later stage uses. Fails (-> 400) on anything
 * ambiguous: repeated or invalid Host, an absolute-form target naming another host, and
 * the path tricks rejected by normaliseTarget.
 */
export function buildRequestInfo(
  req: RequestHead,
  listener: ListenerContext,
  options: RequestInfoOptions,
): RequestInfoResult {
  const peer = req.socket.remoteAddress ?? '';
  const peerTrusted = options.trustedProxies.has(peer);
  const id = requestIdFor(req, peerTrusted);
  const clientAddress = options.trustedProxies.clientAddress(
    peer,
    req.headers['x-forwarded-for'],
    peerTrusted,
  );
  const method = req.method ?? 'GET';
  const tls = listener.scheme === 'https' ? (req.socket as TLSSocket) : undefined;
  const peer_ = tls && listener.clientCertificates !== 'none' ? peerCertificateOf(tls) : undefined;
  const cert = peer_?.cert;

  const host = parseHost(req.rawHeaders);
  let failure: { code: ErrorCode; detail: string } | undefined;
  if (!host.ok) failure = { code: 'ERR_REQUEST_HOST_INVALID', detail: host.detail };
  else if (REFUSED_METHODS.has(method)) {
    failure = { code: 'ERR_METHOD_NOT_ALLOWED', detail: `${method} is refused` };
  } else if (repeated(req.rawHeaders, 'authorization')) {
    failure = { code: 'ERR_REQUEST_HEADER_AMBIGUOUS', detail: 'more than one Authorization header' };
  }
  const hostName = host.ok ? host.host : '';
  // RequestInfoOptions carries NormaliseOptions' fields: passed as they are (no object per request)
  const target = failure ? undefined : normaliseTarget(req.url ?? '', hostName, options);
  if (target && !target.ok) failure = { code: target.code, detail: target.detail };
  // the Host's port once the Host was accepted; the listener's when the request failed before
  const port = (target !== undefined && host.ok ? host.port : undefined) ?? listener.port;
  // one literal per request, fields in one order (one hidden class for every RequestInfo)
  const info: RequestInfo = {
    id,
    method,
    scheme: listener.scheme,
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    peerAddress: peer,
    clientAddress,
    listener: listener.name,
    ...(cert !== undefined
      ? { clientCertificate: cert, clientCertificateAuthorized: peer_!.authorized }
      : {}),
    host: hostName,
    port,
    path: target?.ok ? target.path : '',
    query: target?.ok ? target.query : '',
  };
  if (failure) return { ok: false, id, code: failure.code, detail: failure.detail, partial: info };
  return { ok: true, peerTrusted, info };
}
