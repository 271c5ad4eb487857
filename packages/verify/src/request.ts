import type { BoundRequest } from './binding.ts';
import { AssertionError } from './errors.ts';

/** The parts of a Node `IncomingMessage` (and of Express's and Fastify's requests) read here. */
export interface RequestLike {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly rawHeaders?: readonly string[];
}

/**
 * The assertion header's value, or undefined when absent. A header sent twice is refused
 * as malformed rather than joined (Node joins unknown repeated headers with ", ").
 */
export function readAssertionHeader(req: RequestLike, name: string): string | undefined {
  if (req.rawHeaders !== undefined) {
    let value: string | undefined;
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i]!.toLowerCase() !== name) continue;
      if (value !== undefined) throw new AssertionError('malformed', 'assertion header repeated');
      value = req.rawHeaders[i + 1]!;
    }
    return value === undefined ? undefined : value.trim();
  }
  const v = req.headers[name];
  if (Array.isArray(v)) throw new AssertionError('malformed', 'assertion header repeated');
  return v?.trim();
}

/**
 * The method, Host and target the upstream received. `target` overrides `req.url` (Express
 * strips a router's mount path from `req.url`; `originalUrl` keeps it). HTTP/2 requests
 * carry `:authority` instead of Host.
 */
export function boundRequestOf(req: RequestLike, target?: string): BoundRequest {
  const host = req.headers.host ?? req.headers[':authority'];
  return {
    method: req.method ?? '',
    host: typeof host === 'string' ? host : '',
    path: target ?? req.url ?? '',
  };
}
