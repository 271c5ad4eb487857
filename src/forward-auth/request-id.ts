import { randomUUID } from 'node:crypto';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The check's request id: the ingress's (X-Request-Id / Envoy's id) when well-formed, else
 * `fallback` (an id already made for this request) or a new UUID.
 */
export function checkRequestId(given: unknown, fallback?: string): string {
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : (fallback ?? randomUUID());
}
