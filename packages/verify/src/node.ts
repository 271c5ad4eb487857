import type { IncomingMessage, ServerResponse } from 'node:http';
import { AssertionError } from './errors.ts';
import { boundRequestOf, readAssertionHeader } from './request.ts';
import { createVerifier, type Identity, type Verifier, type VerifierOptions } from './verifier.ts';

export interface MiddlewareOptions extends VerifierOptions {
  /** Called with every refusal (before the 401 is sent), e.g. to log `error.code`. */
  readonly onFailure?: (error: AssertionError) => void;
}

/**
 * Verify a request's assertion: the identity, or the AssertionError explaining why not.
 * Never rejects. `target` overrides `req.url` for the path binding.
 */
export async function verifyRequest(
  verifier: Verifier,
  req: Parameters<typeof readAssertionHeader>[0],
  target?: string,
): Promise<Identity | AssertionError> {
  try {
    const token = readAssertionHeader(req, verifier.header);
    return await verifier.verify(token, boundRequestOf(req, target));
  } catch (err) {
    return err instanceof AssertionError ? err : new AssertionError('malformed');
  }
}

/** The JSON body of a refusal: `{"error":"<code>"}`. */
export function refusalBody(error: AssertionError): string {
  return JSON.stringify({ error: error.code });
}

/**
 * A `node:http` helper. Resolves to the caller's identity; on any failure it answers
 * `401 {"error": "<code>"}` itself and resolves to undefined, so the handler just returns:
 *
 * ```ts
 * const gatehouse = gatehouseNode({ issuer, audience });
 * http.createServer(async (req, res) => {
 *   const who = await gatehouse(req, res);
 *   if (!who) return;
 *   res.end(`hello ${who.subject}`);
 * });
 * ```
 */
export function gatehouseNode(
  o: MiddlewareOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<Identity | undefined> {
  const verifier = createVerifier(o);
  return async (req, res) => {
    const result = await verifyRequest(verifier, req);
    if (!(result instanceof AssertionError)) return result;
    o.onFailure?.(result);
    if (!res.headersSent) {
      res.writeHead(401, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
      });
    }
    res.end(refusalBody(result));
    return undefined;
  };
}
