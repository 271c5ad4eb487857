import { randomUUID } from 'node:crypto';
import type { ErrorCode } from '../errors/index.ts';
import { ERRORS } from '../errors/index.ts';
import { publish } from '../observe/index.ts';
import type { ListenerContext } from './request-info.ts';

/**
 * The decision record of a request head refused before any handler saw it: invalid HTTP, a
 * head too large, one that took too long to arrive (node:http's `clientError`, or the lean
 * forward-auth engine's head timeout), or a CONNECT (never tunnelled). Every request gets a
 * record, attack traffic included; nothing of the head is recorded but the parser's error
 * code (it may hold a credential). `via` defaults to `proxy`; `method` is set only for CONNECT.
 */
export function recordRefusedHead(
  listener: ListenerContext,
  peerAddress: string,
  code: Extract<
    ErrorCode,
    | 'ERR_REQUEST_MALFORMED'
    | 'ERR_REQUEST_HEADERS_TOO_LARGE'
    | 'ERR_REQUEST_TIMEOUT'
    | 'ERR_METHOD_NOT_ALLOWED'
  >,
  detail: string,
  o: { readonly via?: string; readonly method?: string } = {},
): void {
  publish.requestFinished({
    request: {
      id: randomUUID(),
      method: o.method ?? '',
      scheme: listener.scheme,
      host: '',
      port: listener.port,
      path: '',
      query: '',
      headers: {},
      peerAddress,
      clientAddress: peerAddress,
      listener: listener.name,
    },
    decision: { outcome: 'deny', mode: 'enforce', reasons: ['request-invalid'], detail },
    status: ERRORS[code].status,
    durationMs: 0,
    via: o.via ?? 'proxy',
    errorCode: code,
  });
}
