import { randomUUID } from 'node:crypto';
import { isRequestId } from '../proxy/index.ts';

/**
 * The check's request id: the ingress's (X-Request-Id / Envoy's id) when well-formed (the same
 * rule as the proxy's), else `fallback` (an id already made for this request) or a new UUID.
 */
export function checkRequestId(given: unknown, fallback?: string): string {
  return isRequestId(given) ? given : (fallback ?? randomUUID());
}
