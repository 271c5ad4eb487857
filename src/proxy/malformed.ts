import type { Socket } from 'node:net';

/**
 * Connections whose client sent a malformed message while a request on them was being
 * forwarded (a broken chunk in its body). The listener's `clientError` handler marks the
 * connection before answering 400 and closing it; the exchange then records that 400
 * (`ERR_REQUEST_BODY_INVALID`) instead of a client that went away (499).
 */
const malformed = new WeakSet<Socket>();

export function markMalformed(socket: Socket): void {
  malformed.add(socket);
}

export function isMalformed(socket: Socket | null | undefined): boolean {
  return socket != null && malformed.has(socket);
}
