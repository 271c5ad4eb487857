import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestInfo } from '../model/index.ts';
import { REASONS, type Reason } from '../model/index.ts';
import { SessionStoreFullError } from '../state/index.ts';
import { numberClaim, stringClaim, stringsClaim } from './claims.ts';
import { bindingHash, HANDOFF_CODE_SECONDS, type SsoContext, type StepUp } from './context.ts';
import { readCookie } from './cookies.ts';
import { errorPage } from './error-page.ts';
import { renderPage } from './pages.ts';
import { IdpError } from './provider.ts';
import { redirect, sendHtml } from './respond.ts';
import { sessionCookie } from './session-cookie.ts';
import { randomToken } from './session-id.ts';

/**
 * `GET /.gatehouse/callback?code&state`: finish a sign-in. The pending sign-in is taken by
 * `state` (single use: a replayed state finds nothing), must come from the browser that
 * started it (binding cookie), then openid-client checks the response, redeems the code
 * with the PKCE verifier and validates the ID token (signature, iss, aud, nonce, max_age).
 * A step-up must have achieved what was asked (acr, amr). Then a new session id is issued
 * (the old session, if any, is revoked: rotation) and the browser goes back where it was.
 */
export function callbackHandler(ctx: SsoContext) {
  return (info: RequestInfo, _req: IncomingMessage, res: ServerResponse): void => {
    callback(ctx, info, res).catch((err: unknown) =>
      errorPage(res, info, 'ERR_LOGIN_FAILED', { detail: err instanceof Error ? err.message : String(err) }),
    );
  };
}

async function callback(ctx: SsoContext, info: RequestInfo, res: ServerResponse): Promise<void> {
  const s = ctx.settings;
  const now = ctx.nowSeconds();
  const q = new URLSearchParams(info.query);
  const state = q.get('state');
  const pending = state ? ctx.logins.take(state, now) : undefined;
  const binding = readCookie(info.headers?.cookie, s.loginCookieName);
  if (!pending || binding.status !== 'one' || bindingHash(binding.value) !== pending.binding) {
    errorPage(res, info, 'ERR_LOGIN_STATE_INVALID');
    return;
  }
  if (q.has('error')) {
    // The provider's error code is a fixed OAuth vocabulary: safe to show; its description is not.
    const code = /^[a-z_]{1,64}$/.test(q.get('error') ?? '') ? q.get('error')! : 'error';
    sendHtml(
      res,
      401,
      renderPage({
        title: 'Sign-in was not completed',
        text: ['The identity provider did not complete the sign-in.'],
        details: [
          ['Provider answer', code],
          ['Request id', info.id],
        ],
        links: [{ href: `/.gatehouse/login?rd=${encodeURIComponent(pending.rd)}`, text: 'Try again' }],
      }),
      { requestId: info.id },
    );
    return;
  }

  let config: Awaited<ReturnType<typeof ctx.provider.configuration>>;
  try {
    config = await ctx.provider.configuration();
  } catch (err) {
    errorPage(res, info, 'ERR_IDP_UNAVAILABLE', { detail: (err as Error).message });
    return;
  }
  let tokens: Awaited<ReturnType<typeof ctx.provider.exchangeCode>>;
  let claims: Record<string, unknown>;
  try {
    tokens = await ctx.provider.exchangeCode(config, new URL(`${pending.redirectUri}?${info.query}`), {
      pkceCodeVerifier: pending.verifier,
      expectedState: state!,
      expectedNonce: pending.nonce,
      ...(pending.stepUp?.maxAge !== undefined ? { maxAge: pending.stepUp.maxAge } : {}),
    });
    if (!tokens.claims) throw new IdpError('invalid', 'no ID token');
    claims = { ...tokens.claims };
    if (s.oidc.userinfo) {
      claims = {
        ...claims,
        ...(await ctx.provider.userinfo(config, tokens.accessToken, String(claims.sub))),
      };
    }
  } catch (err) {
    const unavailable = err instanceof IdpError && err.kind === 'unavailable';
    errorPage(res, info, unavailable ? 'ERR_IDP_UNAVAILABLE' : 'ERR_LOGIN_FAILED', {
      detail: err instanceof Error ? err.message : String(err),
      retry: `/.gatehouse/login?rd=${encodeURIComponent(pending.rd)}`,
    });
    return;
  }

  if (pending.stepUp) {
    const unmet = unmetStepUp(pending.stepUp, claims);
    if (unmet) {
      sendHtml(
        res,
        403,
        renderPage({
          title: 'Stronger sign-in required',
          text: [
            REASONS[unmet],
            'The sign-in did not meet what this page requires. Try again, choosing a stronger method.',
          ],
          details: [
            ['Reason', unmet],
            ['Request id', info.id],
          ],
          links: [{ href: `/.gatehouse/login?rd=${encodeURIComponent(pending.rd)}`, text: 'Try again' }],
        }),
        { requestId: info.id },
      );
      return;
    }
  }

  let created: Awaited<ReturnType<typeof ctx.sessions.create>>;
  try {
    created = await ctx.sessions.create(tokens, claims, now);
  } catch (err) {
    const full = err instanceof SessionStoreFullError;
    errorPage(res, info, full ? 'ERR_SESSION_STORE_UNAVAILABLE' : 'ERR_LOGIN_FAILED', {
      detail: err instanceof Error ? err.message : String(err),
    });
    return;
  }
  // Rotation: whatever session this browser held before is ended, never reused.
  const previous = ctx.sessions.idFrom(info.headers?.cookie);
  if (previous) await ctx.sessions.revokeId(previous, now, 'revoke').catch(() => undefined);

  const cookies = [sessionCookie(s, created.id, now, created.record.absoluteExpiresAt)];
  // The binding cookie has done its job for this sign-in; others in progress keep theirs
  // (the same value) until it expires.
  if (pending.handoff) {
    const code = randomToken();
    ctx.handoffCodes.add(
      code,
      { sessionId: created.id, host: pending.handoff.host, state: pending.handoff.state },
      now + HANDOFF_CODE_SECONDS,
      now,
    );
    redirect(
      res,
      `${pending.handoff.origin}/.gatehouse/handoff?code=${code}&state=${pending.handoff.state}`,
      {
        cookies,
        requestId: info.id,
      },
    );
    return;
  }
  redirect(res, pending.rd, { cookies, requestId: info.id });
}

/** The first reason a completed step-up falls short, or undefined when it meets the requirement. */
export function unmetStepUp(req: StepUp, claims: Readonly<Record<string, unknown>>): Reason | undefined {
  if (req.acr?.length) {
    const acr = stringClaim(claims, 'acr');
    if (!acr || !req.acr.includes(acr)) return 'acr-insufficient';
  }
  if (req.amr?.length) {
    const amr = stringsClaim(claims, 'amr') ?? [];
    if (!req.amr.some((m) => amr.includes(m))) return 'amr-insufficient';
  }
  if (req.maxAge !== undefined && numberClaim(claims, 'auth_time') === undefined) return 'auth-too-old';
  return undefined;
}
