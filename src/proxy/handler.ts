import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  type CompiledRoute,
  decide,
  type Engine,
  letsThrough,
  statusFor,
  type Verdict,
} from '../decision/index.ts';
import { ERRORS, type ErrorCode, GatehouseError } from '../errors/index.ts';
import type { Decision, RequestInfo } from '../model/index.ts';
import { REASONS } from '../model/index.ts';
import { publish } from '../observe/index.ts';
import { decisionMessage, flavourFor, renderDeny, sendDeny } from './deny-response.ts';
import { forward } from './forward.ts';
import {
  buildRequestInfo,
  type ListenerContext,
  type RequestHead,
  type RequestInfoResult,
} from './request-info.ts';
import { type ProxyRuntime, runtimeFor } from './runtime.ts';
import type { Tunnels } from './tunnels.ts';
import { inTurn } from './turns.ts';
import { upstreamHeaders } from './upstream-headers.ts';
import type { UpstreamPools } from './upstream-pools.ts';
import { forwardUpgrade } from './websocket.ts';

export interface ProxyContext {
  /** The current engine snapshot; read once per request. */
  current(): Engine;
  readonly pools: UpstreamPools;
  /** Open WebSocket tunnels, re-decided on reload and periodically. */
  readonly tunnels?: Tunnels;
  /** Clock in seconds (injected for tests). */
  nowSeconds(): number;
  /**
   * Reserved endpoints (`/.gatehouse/…`, `/.well-known/gatehouse/…`) answered by Gatehouse
   * itself on every host. Returns true when it handled the request.
   */
  reserved?(info: RequestInfo, req: IncomingMessage, res: ServerResponse, engine: Engine): boolean;
  /**
   * Identity headers for an allowed request (the signed assertion, plain claim headers), as
   * [name, value, …]. Throwing denies the request with internal-error (fail closed).
   */
  propagate?(decision: Decision, route: CompiledRoute, info: RequestInfo, nowSeconds: number): string[];
  /**
   * Answers a denial better than the generic response when it can (SSO: a redirect to sign
   * in, an API 401 with a login hint, the access-denied page). Returns true when it wrote the
   * response; false (nothing written) to fall back to the generic deny.
   */
  challenge?(decision: Decision, info: RequestInfo, req: IncomingMessage, res: ServerResponse): boolean;
  /** Rewrites the Cookie header sent upstream (SSO drops its session cookies); undefined drops it. */
  filterCookie?(value: string): string | undefined;
  /** Whether an upstream's `Set-Cookie` line may reach the client (SSO: never one of its own cookies). */
  keepSetCookie?(line: string): boolean;
}

const CERT_REQUIRED: Verdict = Object.freeze({
  decision: Object.freeze({ outcome: 'deny', mode: 'enforce', reasons: Object.freeze(['cert-required']) }),
}) as Verdict;

/** decide(), except that a listener with `clientCertificates: required` first insists on one. */
function decideOn(
  ctx: ProxyContext,
  engine: Engine,
  listener: ListenerContext,
  info: RequestInfo,
): Verdict | Promise<Verdict> {
  if (listener.clientCertificates === 'required' && !info.clientCertificate) return CERT_REQUIRED;
  try {
    return decide(engine, info, ctx.nowSeconds());
  } catch {
    return { decision: { outcome: 'deny', mode: 'enforce', reasons: ['internal-error'] } };
  }
}

/**
 * Connections whose last answer said `Connection: close` (Gatehouse's, or Node's own, as after
 * an unanswered `Expect`). Node's parser may already have read requests pipelined behind that
 * answer: they are not served (RFC 9112 §9.6), so none is decided or reaches an upstream.
 */
const closing = new WeakSet<object>();

function noteClose(req: IncomingMessage, res: ServerResponse): void {
  if (!res.shouldKeepAlive || /close/i.test(String(res.getHeader('connection') ?? '')))
    closing.add(req.socket);
}

const INTERNAL_ERROR = (d: Decision): Decision => ({
  ...d,
  outcome: 'deny',
  mode: 'enforce',
  reasons: ['internal-error'],
});

/**
 * The upstream request headers for an allowed request, identity headers included; undefined
 * when propagation failed (published as an internal error; the caller denies: fail closed).
 */
function headersFor(
  ctx: ProxyContext,
  req: IncomingMessage,
  info: RequestInfo,
  route: CompiledRoute,
  decision: Decision,
  peerTrusted: boolean,
  identityHeaders: ReadonlySet<string>,
): string[] | undefined {
  let add: string[] | undefined;
  try {
    add = ctx.propagate?.(decision, route, info, ctx.nowSeconds());
  } catch (err) {
    publish.internalError({ where: 'proxy.propagate', requestId: info.id, error: err });
    return undefined;
  }
  return upstreamHeaders(req, info, route, { peerTrusted, identityHeaders, add, cookie: ctx.filterCookie });
}

const INVALID_REQUEST: Decision = Object.freeze({
  outcome: 'deny',
  mode: 'enforce',
  reasons: Object.freeze(['request-invalid']),
}) as Decision;

function finish(
  info: RequestInfo,
  decision: Decision,
  status: number,
  start: number,
  extra?: { upstreamStatus?: number; errorCode?: string },
): void {
  publish.requestFinished({
    request: info,
    decision,
    status,
    durationMs: performance.now() - start,
    via: 'proxy',
    // set even when undefined: every event has one shape, and no object is spread per request
    upstreamStatus: extra?.upstreamStatus,
    errorCode: extra?.errorCode,
  });
}

/**
 * The first step of every request, on its own: the current engine and the canonical
 * RequestInfo of a head on a listener (or why it is refused). The lean forward-auth engine
 * uses it; a refused head goes to node:http, which answers it through handleRequest.
 */
export function readRequest(
  ctx: ProxyContext,
  listener: ListenerContext,
  req: RequestHead,
): { engine: Engine; built: RequestInfoResult } {
  const engine = ctx.current();
  return { engine, built: buildRequestInfo(req, listener, runtimeFor(engine)) };
}

/**
 * Build the request handler for one listener: normalise -> decide -> forward, one request
 * at a time per connection (turns.ts).
 */
export function createRequestHandler(ctx: ProxyContext, listener: ListenerContext) {
  const serve = function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    if (closing.has(req.socket)) {
      req.resume();
      return;
    }
    const start = performance.now();
    const engine = ctx.current();
    const rt = runtimeFor(engine);
    const built = buildRequestInfo(req, listener, rt);
    if (!built.ok) {
      const error = new GatehouseError(built.code, built.detail);
      res.setHeader('connection', 'close');
      sendDeny(
        res,
        { status: error.status, code: error.code, message: error.publicMessage, requestId: built.id },
        req.headers.accept,
      );
      closing.add(req.socket);
      finish(built.partial, { ...INVALID_REQUEST, detail: built.detail }, error.status, start, {
        errorCode: error.code,
      });
      return;
    }
    const info = built.info;
    if (ctx.reserved?.(info, req, res, engine)) return;
    const sent: Sent = { ctx, rt, peerTrusted: built.peerTrusted, req, res, info, start };
    const verdict = decideOn(ctx, engine, listener, info);
    if (verdict instanceof Promise) {
      verdict.then(
        (v) => proceed(sent, v),
        () => proceed(sent, { decision: { outcome: 'deny', mode: 'enforce', reasons: ['internal-error'] } }),
      );
    } else {
      proceed(sent, verdict);
    }
  };
  return (req: IncomingMessage, res: ServerResponse): void => inTurn(req, res, serve);
}

function deny(
  res: ServerResponse,
  req: IncomingMessage,
  info: RequestInfo,
  decision: Decision,
  start: number,
): void {
  const status = statusFor(decision);
  const reason = decision.reasons[0] ?? 'internal-error';
  const headers: Record<string, string> = {};
  if (status === 401) headers['www-authenticate'] = wwwAuthenticate(decision);
  sendDeny(
    res,
    {
      status,
      code: reason,
      message: decisionMessage(decision),
      requestId: info.id,
      reasons: decision.reasons,
    },
    req.headers.accept,
    headers,
  );
  noteClose(req, res);
  finish(info, decision, status, start);
}

/** RFC 6750 challenge; `invalid_token` when a token was presented and refused. */
export function wwwAuthenticate(decision: Decision): string {
  const reason = decision.reasons[0] ?? '';
  if (reason.startsWith('token-') || reason === 'jwks-unavailable') {
    return `Bearer realm="gatehouse", error="invalid_token", error_description="${reason}"`;
  }
  return 'Bearer realm="gatehouse"';
}

function failure(res: ServerResponse, req: IncomingMessage, info: RequestInfo, error: GatehouseError): void {
  sendDeny(
    res,
    { status: error.status, code: error.code, message: error.publicMessage, requestId: info.id },
    req.headers.accept,
  );
  noteClose(req, res);
}

/** One request in flight: what proceed() needs, computed once by the handler. */
interface Sent {
  readonly ctx: ProxyContext;
  readonly rt: ProxyRuntime;
  readonly peerTrusted: boolean;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly info: RequestInfo;
  readonly start: number;
}

/**
 * A check-only route (no upstream: forward-auth decides it, the ingress forwards) asked of the
 * proxy: there is nothing to forward to, whatever the policy says.
 */
function checkOnly(decision: Decision): Decision {
  return {
    ...decision,
    outcome: 'deny',
    reasons: ['route-not-found'],
    detail: 'the route has no upstream: it is decided by forward-auth, not proxied',
  };
}

function proceed(sent: Sent, verdict: Verdict): void {
  const { ctx, rt, peerTrusted, req, res, info, start } = sent;
  const { decision, route } = verdict;
  if (!letsThrough(decision) || !route?.upstream) {
    let handled = false;
    try {
      handled = route?.upstream !== undefined && ctx.challenge?.(decision, info, req, res) === true;
    } catch (err) {
      publish.internalError({ where: 'proxy.challenge', requestId: info.id, error: err });
    }
    if (handled) {
      finish(info, decision, res.statusCode, start);
      return;
    }
    deny(res, req, info, route?.upstream || !route ? decision : checkOnly(decision), start);
    return;
  }
  const cl = req.headers['content-length'];
  if (cl !== undefined && Number(cl) > route.maxBodyBytes) {
    const error = new GatehouseError('ERR_REQUEST_BODY_TOO_LARGE');
    res.setHeader('connection', 'close');
    failure(res, req, info, error);
    finish(info, decision, error.status, start, { errorCode: error.code });
    return;
  }
  const headers = headersFor(ctx, req, info, route, decision, peerTrusted, rt.identityHeaders);
  if (!headers) {
    deny(res, req, info, INTERNAL_ERROR(decision), start);
    return;
  }
  const path = info.query ? `${info.path}?${info.query}` : info.path;
  if (req.headers.expect?.toLowerCase() === '100-continue') res.writeContinue();
  let pool: ReturnType<UpstreamPools['forRoute']>;
  try {
    pool = ctx.pools.forRoute(route);
  } catch (err) {
    publish.internalError({ where: 'proxy.pool', requestId: info.id, error: err });
    const error = new GatehouseError('ERR_INTERNAL');
    failure(res, req, info, error);
    finish(info, decision, error.status, start, { errorCode: error.code });
    return;
  }
  forward(
    pool,
    req,
    res,
    {
      path,
      method: info.method,
      headers,
      requestId: info.id,
      ...(ctx.keepSetCookie ? { keepSetCookie: ctx.keepSetCookie } : {}),
      maxBodyBytes: route.maxBodyBytes,
      headersTimeoutMs: route.timeouts.headersMs,
      idleTimeoutMs: route.timeouts.idleMs,
      totalTimeoutMs: route.timeouts.totalMs,
    },
    (result) => {
      if (result.error) {
        if (result.clientClosed) {
          finish(info, decision, 499, start, { errorCode: 'client-closed' });
          return;
        }
        const clientFault =
          result.error.code === 'ERR_REQUEST_BODY_TOO_LARGE' ||
          result.error.code === 'ERR_REQUEST_BODY_INVALID';
        if (!clientFault) {
          publish.upstreamError({
            routeId: route.id,
            requestId: info.id,
            errorCode: result.error.code,
            cause: String((result.error.cause as { code?: string } | undefined)?.code ?? 'unknown'),
          });
        }
        // (a malformed body was answered by the listener, which closed the connection)
        if (!res.headersSent && !res.destroyed) {
          if (result.error.code === 'ERR_REQUEST_BODY_TOO_LARGE') res.setHeader('connection', 'close');
          failure(res, req, info, result.error);
        }
        finish(info, decision, result.error.status, start, {
          errorCode: result.error.code,
          ...(result.upstreamStatus !== undefined ? { upstreamStatus: result.upstreamStatus } : {}),
        });
        return;
      }
      finish(info, decision, result.status, start, result);
    },
  );
}

/** Build the `upgrade` handler (WebSocket) for one listener: the same decision, then a tunnel. */
export function createUpgradeHandler(ctx: ProxyContext, listener: ListenerContext) {
  return function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const start = performance.now();
    socket.on('error', () => socket.destroy());
    const engine = ctx.current();
    const rt = runtimeFor(engine);
    const built = buildRequestInfo(req, listener, rt);
    if (built.ok && ctx.reserved && answeredReserved(ctx, built.info, req, socket, engine)) return;
    // Only WebSocket upgrades are tunnelled. Any other protocol (h2c above all) would open a
    // raw tunnel to the upstream in which later requests are never decided: h2c smuggling.
    if (built.ok && String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      rawDeny(socket, 400, 'ERR_UPGRADE_REFUSED', built.info.id, req.headers.accept);
      finish(
        built.info,
        { ...INVALID_REQUEST, detail: 'upgrade to a protocol other than websocket' },
        400,
        start,
        {
          errorCode: 'ERR_UPGRADE_REFUSED',
        },
      );
      return;
    }
    if (!built.ok) {
      const status = ERRORS[built.code].status;
      rawDeny(socket, status, built.code, built.id, req.headers.accept);
      finish(built.partial, { ...INVALID_REQUEST, detail: built.detail }, status, start, {
        errorCode: built.code,
      });
      return;
    }
    const info = built.info;
    const onVerdict = (verdict: Verdict) => {
      const { route } = verdict;
      const decision = route && !route.upstream ? checkOnly(verdict.decision) : verdict.decision;
      if (!letsThrough(decision) || !route?.upstream) {
        const status = statusFor(decision);
        rawDeny(socket, status, decision.reasons[0] ?? 'internal-error', info.id, req.headers.accept);
        finish(info, decision, status, start);
        return;
      }
      const headers = headersFor(ctx, req, info, route, decision, built.peerTrusted, rt.identityHeaders);
      if (!headers) {
        rawDeny(socket, 500, 'internal-error', info.id, req.headers.accept);
        finish(info, INTERNAL_ERROR(decision), 500, start);
        return;
      }
      const protocol = typeof req.headers.upgrade === 'string' ? req.headers.upgrade : 'websocket';
      forwardUpgrade(ctx.pools.forRoute(route), req, socket, head, {
        ...(ctx.keepSetCookie ? { keepSetCookie: ctx.keepSetCookie } : {}),
        path: info.query ? `${info.path}?${info.query}` : info.path,
        headers,
        requestId: info.id,
        protocol,
        headersTimeoutMs: route.timeouts.headersMs,
      }).then((r) => {
        if (r.error) rawDeny(socket, r.error.status, r.error.code, info.id, req.headers.accept);
        else if (r.status === 101) ctx.tunnels?.add(info, socket);
        finish(info, decision, r.status, start, r.error ? { errorCode: r.error.code } : {});
      });
    };
    // Fail closed: an exception here (e.g. a pool whose TLS files cannot be read) would
    // otherwise escape the 'upgrade' event and take the process down.
    const guarded = (verdict: Verdict) => {
      try {
        onVerdict(verdict);
      } catch (err) {
        publish.internalError({ where: 'proxy.upgrade', requestId: info.id, error: err });
        rawDeny(socket, 500, 'ERR_INTERNAL', info.id, req.headers.accept);
        finish(info, verdict.decision, 500, start, { errorCode: 'ERR_INTERNAL' });
      }
    };
    const verdict = decideOn(ctx, engine, listener, info);
    if (verdict instanceof Promise) verdict.then(guarded);
    else guarded(verdict);
  };
}

/**
 * An upgrade request for a path Gatehouse answers itself (`/.gatehouse/…`, every path of the
 * dedicated forward-auth listener) is never tunnelled: it is answered like the same request
 * without the upgrade (a check carrying `Upgrade: websocket` is a check), then the connection
 * closes, since node:http no longer reads it once it emitted 'upgrade'.
 */
function answeredReserved(
  ctx: ProxyContext,
  info: RequestInfo,
  req: IncomingMessage,
  socket: Duplex,
  engine: Engine,
): boolean {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.on('finish', () => {
    res.detachSocket(socket as Socket);
    socket.end();
  });
  if (ctx.reserved?.(info, req, res, engine)) return true;
  res.detachSocket(socket as Socket);
  return false;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Payload Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function rawDeny(
  socket: Duplex,
  status: number,
  code: string,
  requestId: string,
  accept: string | undefined,
): void {
  if (socket.destroyed) return;
  const message =
    code in REASONS
      ? REASONS[code as keyof typeof REASONS]
      : code in ERRORS
        ? ERRORS[code as ErrorCode].message
        : 'denied';
  const { contentType, payload } = renderDeny({ status, code, message, requestId }, flavourFor(accept));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\ncontent-type: ${contentType}\r\ncontent-length: ${Buffer.byteLength(payload)}\r\ncache-control: no-store\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${payload}`,
  );
}
