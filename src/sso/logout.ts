import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestInfo } from '../model/index.ts';
import type { SsoContext } from './context.ts';
import { errorPage } from './error-page.ts';
import { callbackOrigin, requestOrigin } from './origins.ts';
import { renderPage } from './pages.ts';
import { safeRedirect } from './redirect.ts';
import { readBody, redirect, sendHtml } from './respond.ts';
import { logoutToken } from './seal.ts';
import { clearSessionCookie } from './session-cookie.ts';
import { randomToken, sessionKey } from './session-id.ts';

/**
 * `/.gatehouse/logout`. GET shows a confirmation page (a link or an image tag on another
 * site cannot sign anyone out); POST signs out when the form's token matches the session
 * (derived from the session id) and the request is not cross-site (Origin, Sec-Fetch-Site).
 * The session is revoked in the store — so every host it reached loses it at once — the
 * cookie is deleted, and the browser goes through the provider's end-session endpoint
 * (RP-initiated logout) when the provider has one.
 */
export function logoutHandler(ctx: SsoContext) {
  return (info: RequestInfo, req: IncomingMessage, res: ServerResponse): void => {
    const run = req.method === 'POST' ? logoutPost(ctx, info, req, res) : logoutGet(ctx, info, res);
    run.catch(() => errorPage(res, info, 'ERR_LOGOUT_FORBIDDEN'));
  };
}

async function logoutGet(ctx: SsoContext, info: RequestInfo, res: ServerResponse): Promise<void> {
  const s = ctx.settings;
  const id = ctx.sessions.idFrom(info.headers?.cookie);
  const rd = new URLSearchParams(info.query).get('rd') ?? '';
  if (!id) {
    sendHtml(res, 200, signedOutPage(), { requestId: info.id, cookies: [clearSessionCookie(s)] });
    return;
  }
  const html = renderPage({
    title: 'Sign out',
    text: ['Sign out of every application behind this Gatehouse?'],
    form: { action: '/.gatehouse/logout', fields: { csrf: logoutToken(id), rd }, button: 'Sign out' },
  });
  sendHtml(res, 200, html, { requestId: info.id, formActions: [issuerOrigin(ctx)] });
}

async function logoutPost(
  ctx: SsoContext,
  info: RequestInfo,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const s = ctx.settings;
  const now = ctx.nowSeconds();
  const origin = requestOrigin(info, s);
  const h = info.headers ?? {};
  const fetchSite = typeof h['sec-fetch-site'] === 'string' ? h['sec-fetch-site'] : undefined;
  // A page with Referrer-Policy no-referrer makes browsers send `Origin: null`: then only
  // Sec-Fetch-Site can vouch for the request.
  const crossSite =
    (h.origin !== undefined && h.origin !== 'null' && h.origin !== origin) ||
    (h.origin === 'null' && fetchSite !== 'same-origin') ||
    (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none');
  if (crossSite) {
    errorPage(res, info, 'ERR_LOGOUT_FORBIDDEN');
    return;
  }
  const form = new URLSearchParams(await readBody(req, 8 * 1024));
  const id = ctx.sessions.idFrom(h.cookie);
  const rdParam = form.get('rd');
  const rd = rdParam ? safeRedirect(rdParam, origin, s.redirect) : undefined;
  if (!id) {
    // Nothing to end: clearing the cookie is harmless, whoever asked.
    if (rd) redirect(res, rd, { status: 303, cookies: [clearSessionCookie(s)], requestId: info.id });
    else sendHtml(res, 200, signedOutPage(), { requestId: info.id, cookies: [clearSessionCookie(s)] });
    return;
  }
  const given = Buffer.from(form.get('csrf') ?? '');
  const expected = Buffer.from(logoutToken(id));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    errorPage(res, info, 'ERR_LOGOUT_FORBIDDEN');
    return;
  }
  const record = await ctx.sessions.store.get(sessionKey(id));
  const idToken = record ? ctx.sessions.tokensOf(id, record)?.idToken : undefined;
  await ctx.sessions.revokeId(id, now, 'logout');
  const cookies = [clearSessionCookie(s)];

  const config = ctx.provider.ready ?? (await ctx.provider.configuration().catch(() => undefined));
  const state = randomToken();
  const end = config
    ? ctx.provider.endSessionUrl(config, {
        post_logout_redirect_uri: `${callbackOrigin(info, s)}/.gatehouse/signed-out`,
        state,
        client_id: s.oidc.clientId,
        ...(idToken ? { id_token_hint: idToken } : {}),
      })
    : undefined;
  if (end && ctx.logouts.add(state, rd ?? '', now + s.oidc.loginTimeoutSeconds, now)) {
    redirect(res, end.href, { status: 303, cookies, requestId: info.id });
    return;
  }
  if (rd) redirect(res, rd, { status: 303, cookies, requestId: info.id });
  else sendHtml(res, 200, signedOutPage(), { requestId: info.id, cookies });
}

/** `GET /.gatehouse/signed-out?state`: where the provider sends the browser after sign-out. */
export function signedOutHandler(ctx: SsoContext) {
  return (info: RequestInfo, _req: IncomingMessage, res: ServerResponse): void => {
    const state = new URLSearchParams(info.query).get('state');
    const rd = state ? ctx.logouts.take(state, ctx.nowSeconds()) : undefined;
    if (rd) redirect(res, rd, { requestId: info.id });
    else
      sendHtml(res, 200, signedOutPage(), {
        requestId: info.id,
        cookies: [clearSessionCookie(ctx.settings)],
      });
  };
}

function signedOutPage(): string {
  return renderPage({
    title: 'Signed out',
    text: ['You are signed out.'],
    links: [{ href: '/.gatehouse/login', text: 'Sign in again' }],
  });
}

function issuerOrigin(ctx: SsoContext): string {
  try {
    return new URL(ctx.settings.oidc.issuer).origin;
  } catch {
    return "'self'";
  }
}
