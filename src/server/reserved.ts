import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from '../decision/index.ts';
import type { RequestInfo } from '../model/index.ts';
import { publish } from '../observe/index.ts';
import { sendDeny } from '../proxy/index.ts';

export type ReservedHandler = (
  info: RequestInfo,
  req: IncomingMessage,
  res: ServerResponse,
  engine: Engine,
) => void;

/**
 * Paths Gatehouse answers itself on every host: `/.gatehouse/…` (auth, login, callback,
 * logout, me) and `/.well-known/gatehouse/…` (JWKS). They are never forwarded upstream,
 * even when no handler is registered for them yet.
 */
export function reservedPaths(handlers: ReadonlyMap<string, ReservedHandler>) {
  return (info: RequestInfo, req: IncomingMessage, res: ServerResponse, engine: Engine): boolean => {
    const p = info.path;
    if (!p.startsWith('/.gatehouse/') && p !== '/.gatehouse' && !p.startsWith('/.well-known/gatehouse/'))
      return false;
    const handler = handlers.get(p) ?? prefixHandler(handlers, p);
    if (handler) {
      handler(info, req, res, engine);
      return true;
    }
    const start = performance.now();
    sendDeny(
      res,
      { status: 404, code: 'route-not-found', message: 'no such Gatehouse endpoint', requestId: info.id },
      req.headers.accept,
    );
    publish.requestFinished({
      request: info,
      decision: { outcome: 'deny', mode: 'enforce', reasons: ['route-not-found'] },
      status: 404,
      durationMs: performance.now() - start,
      via: 'reserved',
    });
    return true;
  };
}

/** A handler registered as `<prefix>/*` answers every path below `<prefix>/` (Envoy's path_prefix). */
function prefixHandler(
  handlers: ReadonlyMap<string, ReservedHandler>,
  path: string,
): ReservedHandler | undefined {
  for (const [key, handler] of handlers) {
    if (key.endsWith('/*') && path.startsWith(key.slice(0, -1))) return handler;
  }
  return undefined;
}
