import type { IncomingMessage, ServerResponse } from 'node:http';
import { publish } from '../observe/index.ts';
import type { SsoContext } from './context.ts';
import { readBody, sendJson } from './respond.ts';
import { isSessionId, isSessionKey, sessionKey } from './session-id.ts';

/** Guards an admin write (e.g. the server room's admin-token check); answers itself when it refuses. */
export type AdminGuard = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Without a guard: loopback peers only. */
const loopbackOnly: AdminGuard = (req, res) => {
  const peer = req.socket.remoteAddress ?? '';
  if (peer === '127.0.0.1' || peer === '::1' || peer === '::ffff:127.0.0.1') return true;
  sendJson(res, 403, { error: 'admin-token-required' });
  return false;
};

/**
 * `POST /sessions/revoke` on the admin port, JSON body one of:
 * `{ "sessionId": "<cookie value>" }`, `{ "sessionKey": "<store key>" }`,
 * `{ "subject": "alice", "issuer"?: "https://idp" }` (every session of the subject).
 * Effective on the next request: the authenticator reads the store on every request.
 * Answers `{ "revoked": N }`.
 */
export function revokeRoute(ctx: SsoContext, guard: AdminGuard = loopbackOnly) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'method-not-allowed' }, { allow: 'POST' });
      return;
    }
    if (!guard(req, res)) return;
    let body: Record<string, unknown>;
    try {
      const parsed = JSON.parse(await readBody(req, 4096)) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      sendJson(res, 400, { error: 'invalid-json' });
      return;
    }
    const now = ctx.nowSeconds();
    const store = ctx.sessions.store;
    let revoked: number;
    if (typeof body.sessionId === 'string') {
      if (!isSessionId(body.sessionId)) {
        sendJson(res, 400, { error: 'invalid-session-id' });
        return;
      }
      revoked = await store.revoke(sessionKey(body.sessionId), now);
    } else if (typeof body.sessionKey === 'string' && isSessionKey(body.sessionKey)) {
      revoked = await store.revoke(body.sessionKey, now);
    } else if (typeof body.subject === 'string' && body.subject.length > 0 && body.subject.length <= 1024) {
      const issuer = typeof body.issuer === 'string' ? body.issuer : undefined;
      revoked = await store.revokeSubject(body.subject, issuer, now);
    } else {
      sendJson(res, 400, { error: 'expected sessionId, sessionKey or subject' });
      return;
    }
    publish.session({
      type: 'revoke',
      ...(typeof body.subject === 'string' ? { subject: body.subject } : {}),
      count: revoked,
      detail: 'admin',
    });
    sendJson(res, 200, { revoked });
  };
}
