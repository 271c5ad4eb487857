import type { Engine } from '../decision/index.ts';
import type { RequestInfo } from '../model/index.ts';
import { publish } from '../observe/index.ts';
import type { RequestHead } from '../proxy/index.ts';
import type { AdapterName, ForwardAuthAdapter } from './adapter.ts';
import { ADAPTERS, detectAdapter } from './adapters/registry.ts';
import { type Answer, type Propagate, refusal } from './answer.ts';
import { type Checked, check } from './check.ts';
import { clientIdentityHeaders, unremovableIdentityHeaders } from './client-identity-headers.ts';
import { DESCRIPTOR_HEADERS, describe, type Failure, missing } from './description.ts';
import { HeaderView } from './header-view.ts';
import type { CheckHttpResponse } from './lean-http/response.ts';
import type { CheckContext } from './original-request.ts';
import { checkRequestId } from './request-id.ts';
import { type ForwardAuthRuntime, forwardAuthRuntime } from './runtime.ts';

/** What the HTTP forward-auth handler needs from the server. */
export interface ForwardAuthDeps {
  /** The current engine snapshot (read once per check). */
  current(): Engine;
  /** Clock in seconds. */
  nowSeconds(): number;
  /** Identity headers for an allowed request: the server's Propagation.headers. */
  readonly propagate: Propagate;
}

/**
 * Which dialect an endpoint speaks: `auto` detects it from the headers (`/.gatehouse/auth`),
 * an adapter name pins it (`/.gatehouse/auth/caddy`), `dedicated` is a forward-auth
 * listener where every path is the endpoint (paths under the Envoy prefix are Envoy's).
 */
export type Endpoint = 'auto' | AdapterName | 'dedicated';

/**
 * The reserved-path handler signature (src/server/reserved.ts). It reads only the request
 * head and writes one answer, so node:http and the lean engine of the dedicated listener
 * (lean-http/) both call it.
 */
export type HttpCheckHandler = (
  info: RequestInfo,
  req: RequestHead,
  res: CheckHttpResponse,
  engine: Engine,
) => void;

/** Paths of the pinned endpoints, on every host. */
export const ENDPOINT_PATHS: ReadonlyMap<string, Endpoint> = new Map<string, Endpoint>([
  ['/.gatehouse/auth', 'auto'],
  ['/.gatehouse/auth/nginx', 'nginx'],
  ['/.gatehouse/auth/traefik', 'traefik'],
  ['/.gatehouse/auth/caddy', 'caddy'],
]);

/**
 * The HTTP forward-auth handler: who asks (trusted peer), what was asked (the adapter
 * rebuilds the original request from headers), then the one check. Answers 200 + identity
 * headers, 401 / 302 to sign in, 403 denied, 500 on internal error. Never throws.
 */
export function createHttpCheckHandler(deps: ForwardAuthDeps, endpoint: Endpoint): HttpCheckHandler {
  return (info, req, res, engine) => {
    const start = performance.now();
    req.resume?.(); // a body (Envoy with_request_body) is not read: drain it
    try {
      const outcome = handle(deps, endpoint, info, req, engine);
      if (outcome instanceof Promise) {
        outcome.then(
          (o) => answerCheck(res, o.checked, o.adapter, engine, start),
          (err) => failCheck(res, info, req, engine, start, err),
        );
      } else {
        answerCheck(res, outcome.checked, outcome.adapter, engine, start);
      }
    } catch (err) {
      failCheck(res, info, req, engine, start, err);
    }
  };
}

/** Write the answer and record the decision (module functions: no closures per check). */
function answerCheck(
  res: CheckHttpResponse,
  given: Checked,
  adapter: ForwardAuthAdapter | undefined,
  engine: Engine,
  start: number,
): void {
  const checked = adapter && adapter.name !== 'envoy-http' ? refuseForgedIdentity(given, engine) : given;
  try {
    write(res, checked.answer, adapter, checked.info, engine);
  } catch (err) {
    // the answer could not be written: the peer sees a reset, which every peer treats as a deny
    publish.internalError({ where: 'forward-auth.write', requestId: checked.info.id, error: err });
    res.destroy();
  }
  publish.requestFinished({
    request: checked.info,
    decision: checked.answer.decision,
    status: checked.answer.status,
    durationMs: performance.now() - start,
    via: 'forward-auth',
  });
}

/**
 * An allowed check whose request carries identity headers the ingress would pass on unchanged
 * (see unremovableIdentityHeaders): denied, since nginx, Traefik and Caddy cannot remove them.
 * Envoy can (its answer names them for removal).
 */
function refuseForgedIdentity(checked: Checked, engine: Engine): Checked {
  if (!checked.answer.allow) return checked;
  const forged = unremovableIdentityHeaders(checked.info, forwardAuthRuntime(engine), checked.answer.headers);
  if (forged.length === 0) return checked;
  const accept = checked.info.headers.accept;
  return {
    info: checked.info,
    answer: refusal(
      'request-invalid',
      checked.info.id,
      typeof accept === 'string' ? accept : undefined,
      `identity headers the ingress would pass on: ${forged.join(', ')}`,
    ),
  };
}

/** An unexpected exception: deny (fail closed) and record it. */
function failCheck(
  res: CheckHttpResponse,
  info: RequestInfo,
  req: RequestHead,
  engine: Engine,
  start: number,
  err: unknown,
): void {
  publish.internalError({ where: 'forward-auth.http', requestId: info.id, error: err });
  answerCheck(
    res,
    { info, answer: refusal('internal-error', info.id, req.headers.accept) },
    undefined,
    engine,
    start,
  );
}

interface Outcome {
  readonly checked: Checked;
  readonly adapter?: ForwardAuthAdapter;
}

function handle(
  deps: ForwardAuthDeps,
  endpoint: Endpoint,
  authInfo: RequestInfo,
  req: RequestHead,
  engine: Engine,
): Outcome | Promise<Outcome> {
  const accept = req.headers.accept;
  const rt = forwardAuthRuntime(engine);
  if (!rt) {
    // forwardAuth was removed by a reload: the endpoint is gone
    return { checked: { info: authInfo, answer: refusal('route-not-found', authInfo.id, accept) } };
  }
  const peer = req.socket.remoteAddress ?? '';
  if (!rt.peers.has(peer)) {
    return {
      checked: {
        info: authInfo,
        answer: refusal(
          'forward-auth-untrusted-peer',
          authInfo.id,
          accept,
          'peer not in forwardAuth.trustedProxies',
        ),
      },
    };
  }
  const id = checkRequestId(req.headers['x-request-id'], authInfo.id);
  const context: CheckContext = {
    id,
    peerAddress: authInfo.peerAddress,
    clientAddress: rt.forwarders.clientAddress(peer, req.headers['x-forwarded-for']),
    listener: authInfo.listener,
    defaultScheme: authInfo.scheme,
    mergeSlashes: rt.mergeSlashes,
    allowSemicolons: rt.allowSemicolons,
  };
  const headers = HeaderView.fromRaw(req.rawHeaders, isDescriptorOrHost);
  const adapter = chooseAdapter(endpoint, req.url ?? '', authInfo.path, headers, rt);
  if (!adapter) return refuse(authInfo, id, accept, missing('no headers describe the original request'));
  const described = describe(headers);
  if (!described.ok) return refuse(authInfo, id, accept, described);
  const hosts = headers.all('host');
  const rebuilt = adapter.rebuild({
    headers,
    described: described.described,
    method: req.method ?? 'GET',
    url: req.url ?? '',
    host: hosts.length === 1 ? hosts[0] : undefined,
    envoyPathPrefix: rt.config.envoyPathPrefix,
  });
  if (!rebuilt.ok) return refuse(authInfo, id, accept, rebuilt);
  const checked = check({
    rt,
    original: rebuilt.original,
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    context,
    browserSignIn: adapter.browserSignIn,
    propagate: deps.propagate,
    nowSeconds: deps.nowSeconds(),
  });
  return checked instanceof Promise ? checked.then((c) => ({ checked: c, adapter })) : { checked, adapter };
}

/** The check could not be rebuilt: deny with the failure's reason, under the check's request id. */
function refuse(authInfo: RequestInfo, id: string, accept: string | undefined, f: Failure): Outcome {
  return { checked: { info: { ...authInfo, id }, answer: refusal(f.reason, id, accept, f.detail) } };
}

function chooseAdapter(
  endpoint: Endpoint,
  url: string,
  path: string,
  headers: HeaderView,
  rt: ForwardAuthRuntime,
): ForwardAuthAdapter | undefined {
  if (endpoint === 'dedicated') {
    if (underPrefix(url, rt.config.envoyPathPrefix)) return ADAPTERS['envoy-http'];
    const pinned = ENDPOINT_PATHS.get(path);
    if (pinned && pinned !== 'auto' && pinned !== 'dedicated') return ADAPTERS[pinned];
    return detectAdapter(headers);
  }
  if (endpoint === 'auto') return detectAdapter(headers);
  return ADAPTERS[endpoint];
}

/** Adapters read only the describing X- headers and Host (lower-case names). */
function isDescriptorOrHost(name: string): boolean {
  const c = name.charCodeAt(0);
  if (c === 0x68) return name === 'host';
  return c === 0x78 && DESCRIPTOR_SET.has(name);
}
const DESCRIPTOR_SET: ReadonlySet<string> = new Set(DESCRIPTOR_HEADERS);

/** Whether a raw request target is the prefix itself or below it. */
export function underPrefix(url: string, prefix: string): boolean {
  if (!url.startsWith(prefix)) return false;
  const next = url.charCodeAt(prefix.length);
  return Number.isNaN(next) || next === 0x2f || next === 0x3f;
}

function write(
  res: CheckHttpResponse,
  answer: Answer,
  adapter: ForwardAuthAdapter | undefined,
  info: RequestInfo,
  engine: Engine,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers = [...answer.headers];
  if (answer.allow && adapter?.name === 'envoy-http') {
    // Envoy's HTTP service cannot be told to remove headers any other way.
    const remove = clientIdentityHeaders(info, forwardAuthRuntime(engine), answer.headers);
    if (remove.length > 0) headers.push('x-envoy-auth-headers-to-remove', remove.join(', '));
  }
  if (answer.contentType) headers.push('content-type', answer.contentType);
  headers.push('content-length', String(Buffer.byteLength(answer.body)));
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}
