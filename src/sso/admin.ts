import type { IncomingMessage, ServerResponse } from 'node:http';
import { publish } from '../observe/index.ts';
import type { SsoContext } from './context.ts';
import { readBody, sendJson } from './respond.ts';
import { isSessionId, isSessionKey, sessionKey } from './session-id.ts';

/** Guards an admin write (e.g. the server room's admin-token check); answers itself when it refuses. */
export type AdminGuard = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * Without a guard (no admin token): loopback peers only, and not a browser acting for a web
 * page. A page can make the browser on this host send a request (text/plain, no preflight) to
 * 127.0.0.1, or to its own name re-pointed at 127.0.0.1 (DNS rebinding): so a request that
 * names a foreign Origin or fetch site, or a Host that is not a loopback name, is refused.
 */
const loopbackOnly: AdminGuard = (req, res) => {
  const peer = req.socket.remoteAddress ?? '';
  const loopbackPeer = peer === '127.0.0.1' || peer === '::1' || peer === '::ffff:127.0.0.1';
  const site = req.headers['sec-fetch-site'];
  const fromPage = req.headers.origin !== undefined || (site !== undefined && site !== 'none');
  if (loopbackPeer && !fromPage && LOOPBACK_HOST.test(req.headers.host ?? '')) return true;
  sendJson(res, 403, { error: 'admin-token-required' });
  return false;
};

/** A Host naming the loopback interface (a name a rebinding page cannot have). */
const LOOPBACK_HOST = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost)(?::\d{1,5})?$/i;

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
    // JSON only: a browser cannot send it cross-site without a preflight, which is refused
    const type = String(req.headers['content-type'] ?? '')
      .split(';', 1)[0]!
      .trim()
      .toLowerCase();
    if (type !== 'application/json') {
      sendJson(res, 415, { error: 'expected content-type application/json' });
      return;
    }
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
