import { AssertionError } from './errors.ts';
import { type MiddlewareOptions, verifyRequest } from './node.ts';
import type { RequestLike } from './request.ts';
import { createVerifier, type Identity } from './verifier.ts';

/** The parts of a Fastify request used here (declared locally: Fastify is not a dependency). */
export interface FastifyLikeRequest {
  readonly method: string;
  /** The full request target, query included (Fastify does not strip plugin prefixes). */
  readonly url: string;
  readonly headers: RequestLike['headers'];
  /** The Node request, whose `rawHeaders` reveal a repeated assertion header. */
  readonly raw?: { readonly rawHeaders?: readonly string[] };
  gatehouse?: Identity;
}

/** The parts of a Fastify reply used here. */
export interface FastifyLikeReply {
  code(statusCode: number): FastifyLikeReply;
  header(name: string, value: string): FastifyLikeReply;
  send(payload?: unknown): FastifyLikeReply;
}

/**
 * A Fastify `onRequest` hook: sets `request.gatehouse`, or sends `401 {"error": "<code>"}`.
 * On refusal it resolves to the reply, as Fastify asks of async hooks that answer, so no
 * later hook or handler runs; otherwise to undefined.
 *
 * ```ts
 * app.decorateRequest('gatehouse', null);
 * app.addHook('onRequest', gatehouseFastify({ issuer, audience }));
 * ```
 */
export function gatehouseFastify(
  o: MiddlewareOptions,
): (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<FastifyLikeReply | undefined> {
  const verifier = createVerifier(o);
  return async (request, reply) => {
    const req: RequestLike = {
      method: request.method,
      url: request.url,
      headers: request.headers,
      ...(request.raw?.rawHeaders ? { rawHeaders: request.raw.rawHeaders } : {}),
    };
    const result = await verifyRequest(verifier, req);
    if (result instanceof AssertionError) {
      o.onFailure?.(result);
      return reply.code(401).header('cache-control', 'no-store').send({ error: result.code });
    }
    request.gatehouse = result;
    return undefined;
  };
}
