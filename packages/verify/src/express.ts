import { AssertionError } from './errors.ts';
import { type MiddlewareOptions, verifyRequest } from './node.ts';
import type { RequestLike } from './request.ts';
import { createVerifier, type Identity } from './verifier.ts';

/** The parts of an Express request used here (declared locally: Express is not a dependency). */
export interface ExpressLikeRequest extends RequestLike {
  /** Express keeps the full target here when a router is mounted on a path. */
  readonly originalUrl?: string;
  gatehouse?: Identity;
}

/** The parts of an Express response used here. */
export interface ExpressLikeResponse {
  status(code: number): ExpressLikeResponse;
  set(field: string, value: string): ExpressLikeResponse;
  json(body: unknown): unknown;
}

export type ExpressLikeNext = (err?: unknown) => void;

/**
 * Express middleware: sets `req.gatehouse` to the caller's identity and calls `next()`, or
 * answers `401 {"error": "<code>"}`. The path binding uses `req.originalUrl`, so it works
 * under `app.use('/api', ...)` and routers.
 */
export function gatehouseExpress(
  o: MiddlewareOptions,
): (req: ExpressLikeRequest, res: ExpressLikeResponse, next: ExpressLikeNext) => void {
  const verifier = createVerifier(o);
  return (req, res, next) => {
    verifyRequest(verifier, req, req.originalUrl ?? req.url).then((result) => {
      if (result instanceof AssertionError) return refuse(result);
      req.gatehouse = result;
      next();
    }, next);

    function refuse(error: AssertionError): void {
      o.onFailure?.(error);
      res.status(401).set('cache-control', 'no-store').json({ error: error.code });
    }
  };
}
