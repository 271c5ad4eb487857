import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestInfo } from '../model/index.ts';
import { REASONS } from '../model/index.ts';
import type { SsoContext } from './context.ts';
import { requestOrigin } from './origins.ts';
import { sendJson } from './respond.ts';
import type { Lookup } from './sessions.ts';

/**
 * `GET /.gatehouse/me`: the signed-in person as JSON — subject, issuer, email, groups,
 * claims, authentication time and strength, session expiry. Never a token or the session id.
 * Without a valid session: 401 with a login URL.
 */
export function meHandler(ctx: SsoContext) {
  return (info: RequestInfo, _req: IncomingMessage, res: ServerResponse): void => {
    const answer = (l: Lookup) => {
      if (l.status !== 'valid') {
        const reason = l.status === 'denied' ? l.reason : 'user-unauthenticated';
        const login = `${requestOrigin(info, ctx.settings)}/.gatehouse/login?rd=${encodeURIComponent(`${requestOrigin(info, ctx.settings)}/`)}`;
        sendJson(
          res,
          401,
          { error: reason, message: REASONS[reason], status: 401, requestId: info.id, login },
          { 'www-authenticate': 'Bearer realm="gatehouse"', 'x-request-id': info.id },
        );
        return;
      }
      const p = l.principal;
      const r = l.record;
      sendJson(
        res,
        200,
        {
          subject: p.subject,
          issuer: p.issuer,
          email: p.email ?? null,
          groups: p.groups,
          claims: p.claims,
          authTime: p.authTime ?? null,
          acr: p.acr ?? null,
          amr: p.amr ?? null,
          session: {
            createdAt: r.createdAt,
            expiresAt: r.absoluteExpiresAt,
            idleExpiresAt: Math.min(
              r.absoluteExpiresAt,
              r.lastSeenAt + ctx.settings.oidc.session.idleSeconds,
            ),
          },
          logout: `${requestOrigin(info, ctx.settings)}/.gatehouse/logout`,
        },
        { 'x-request-id': info.id },
      );
    };
    try {
      const l = ctx.sessions.lookup(info.headers?.cookie, ctx.nowSeconds());
      if (l instanceof Promise) l.then(answer, () => answer({ status: 'denied', reason: 'internal-error' }));
      else answer(l);
    } catch {
      answer({ status: 'denied', reason: 'internal-error' });
    }
  };
}
