import type { IncomingMessage, ServerResponse } from 'node:http';
import { loginMayHelp, statusFor } from '../decision/index.ts';
import type { Decision, RequestInfo } from '../model/index.ts';
import { REASONS } from '../model/index.ts';
import { isApiRequest } from './client-kind.ts';
import type { SsoContext } from './context.ts';
import { stepUpQuery } from './login.ts';
import { currentUrl, requestOrigin } from './origins.ts';
import { renderPage } from './pages.ts';
import { redirect, sendHtml, sendJson } from './respond.ts';
import { logoutToken } from './seal.ts';
import { clearSessionCookie } from './session-cookie.ts';

export { loginMayHelp };

/**
 * For a decision that asks for (re-)authentication — no or a dead session, or a policy
 * challenge (step-up) — answer the client: a browser navigation is redirected to sign in
 * (and comes back to the same URL), an API call gets 401 with `WWW-Authenticate` and a
 * JSON body naming the login URL. Returns false (writes nothing) for other decisions.
 */
export function challenge(
  ctx: SsoContext,
  decision: Decision,
  info: RequestInfo,
  _req: IncomingMessage,
  res: ServerResponse,
): boolean {
  const stepUp = decision.outcome === 'challenge' && decision.mode === 'enforce';
  if (!stepUp && !loginMayHelp(decision)) return false;
  const s = ctx.settings;
  const origin = requestOrigin(info, s);
  const requirement = stepUp
    ? {
        ...(decision.challenge?.maxAgeSeconds !== undefined
          ? { maxAge: decision.challenge.maxAgeSeconds }
          : {}),
        ...(decision.challenge?.acr?.length ? { acr: decision.challenge.acr } : {}),
        ...(decision.challenge?.amr?.length ? { amr: decision.challenge.amr } : {}),
      }
    : undefined;
  const login = `${origin}/.gatehouse/login?rd=${encodeURIComponent(currentUrl(info, s))}${stepUpQuery(requirement)}`;
  const reason = decision.reasons[0] ?? 'user-unauthenticated';
  // A dead session cookie is deleted so the browser stops sending it.
  const cookies = reason.startsWith('session-') ? [clearSessionCookie(s)] : [];

  if (isApiRequest(info, decision.routeId, s.apiRoutes)) {
    let wwwAuthenticate = 'Bearer realm="gatehouse"';
    if (stepUp) {
      // RFC 9470 (OAuth 2.0 Step Up Authentication Challenge).
      wwwAuthenticate += ', error="insufficient_user_authentication"';
      wwwAuthenticate += `, error_description="${reason}"`;
      if (requirement?.acr) wwwAuthenticate += `, acr_values="${requirement.acr.join(' ')}"`;
      if (requirement?.maxAge !== undefined) wwwAuthenticate += `, max_age=${requirement.maxAge}`;
    }
    sendJson(
      res,
      401,
      {
        error: reason,
        message: REASONS[reason],
        status: 401,
        requestId: info.id,
        login,
        ...(stepUp && requirement ? { stepUp: requirement } : {}),
      },
      { 'www-authenticate': wwwAuthenticate, 'x-request-id': info.id },
      cookies,
    );
    return true;
  }
  redirect(res, login, {
    status: info.method === 'GET' || info.method === 'HEAD' ? 302 : 303,
    cookies,
    requestId: info.id,
  });
  return true;
}

/**
 * The access-denied page for a signed-in person on a browser navigation: the reason code
 * and its meaning, the request id, who they are signed in as, and a sign-out button. Returns
 * false (writes nothing) for API calls, anonymous callers and non-403 decisions.
 */
export function deniedPage(
  ctx: SsoContext,
  decision: Decision,
  info: RequestInfo,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  const p = decision.principal;
  if (p?.method !== 'session' || decision.outcome !== 'deny') return false;
  const status = statusFor(decision);
  if (status !== 403) return false;
  if (isApiRequest(info, decision.routeId, ctx.settings.apiRoutes)) return false;
  const id = ctx.sessions.idFrom(info.headers?.cookie);
  const reason =
    decision.reasons.find((r) => r !== 'no-rule-matched') ?? decision.reasons[0] ?? 'no-rule-matched';
  const html = renderPage({
    title: 'Access denied',
    text: ['You are signed in, but you may not open this page.', REASONS[reason]],
    details: [
      ['Reason', reason],
      ['Request id', info.id],
    ],
    signedInAs: p.email ?? p.subject,
    ...(id ? { signOut: { action: '/.gatehouse/logout', token: logoutToken(id) } } : {}),
  });
  let issuerOrigin: string | undefined;
  try {
    issuerOrigin = new URL(ctx.settings.oidc.issuer).origin;
  } catch {
    issuerOrigin = undefined;
  }
  sendHtml(res, 403, html, {
    requestId: info.id,
    head: req.method === 'HEAD',
    ...(issuerOrigin ? { formActions: [issuerOrigin] } : {}),
  });
  return true;
}
