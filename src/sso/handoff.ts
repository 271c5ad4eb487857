import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestInfo } from '../model/index.ts';
import { bindingHash, type SsoContext } from './context.ts';
import { readCookie } from './cookies.ts';
import { errorPage } from './error-page.ts';
import { hostWithPort } from './origins.ts';
import { redirect } from './respond.ts';
import { sessionCookie } from './session-cookie.ts';
import { sessionKey } from './session-id.ts';

/**
 * `GET /.gatehouse/handoff?code&state` on a protected host: receive the session from the
 * auth host. The code is single-use, lives 60 s, names this host, and must match a hand-off
 * this same browser asked for (state + binding cookie), so a code sent to someone else's
 * browser signs no one in. The session id itself never appears in a URL.
 */
export function handoffHandler(ctx: SsoContext) {
  return (info: RequestInfo, _req: IncomingMessage, res: ServerResponse): void => {
    handoff(ctx, info, res).catch(() => errorPage(res, info, 'ERR_HANDOFF_INVALID'));
  };
}

async function handoff(ctx: SsoContext, info: RequestInfo, res: ServerResponse): Promise<void> {
  const s = ctx.settings;
  const now = ctx.nowSeconds();
  const q = new URLSearchParams(info.query);
  const code = q.get('code');
  const state = q.get('state');
  const granted = code ? ctx.handoffCodes.take(code, now) : undefined;
  const asked = state ? ctx.handoffs.take(state, now) : undefined;
  const binding = readCookie(info.headers?.cookie, s.loginCookieName);
  const host = hostWithPort(info, s.oidc.forceHttps ? 'https' : info.scheme);
  if (
    !granted ||
    !asked ||
    granted.state !== state ||
    granted.host !== host ||
    asked.host !== host ||
    binding.status !== 'one' ||
    bindingHash(binding.value) !== asked.binding
  ) {
    errorPage(res, info, 'ERR_HANDOFF_INVALID');
    return;
  }
  const record = await ctx.sessions.store.get(sessionKey(granted.sessionId));
  if (!record || record.revokedAt !== undefined || now >= record.absoluteExpiresAt) {
    errorPage(res, info, 'ERR_HANDOFF_INVALID');
    return;
  }
  redirect(res, asked.rd, {
    cookies: [sessionCookie(s, granted.sessionId, now, record.absoluteExpiresAt)],
    requestId: info.id,
  });
}
