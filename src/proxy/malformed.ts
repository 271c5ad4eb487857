import type { ServerResponse } from 'node:http';

/**
 * Responses whose request broke its own framing while it was being forwarded (a broken chunk
 * in its body). The listener's `clientError` handler marks the response in flight before
 * answering 400 and closing the connection; the exchange then records that 400
 * (`ERR_REQUEST_BODY_INVALID`) instead of a client that went away (499).
 */
const malformed = new WeakSet<ServerResponse>();

export function markMalformed(res: ServerResponse): void {
  malformed.add(res);
}

export function isMalformed(res: ServerResponse): boolean {
  return malformed.has(res);
}
