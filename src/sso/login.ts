import type { IncomingMessage, ServerResponse } from 'node:http';
import * as client from 'openid-client';
import type { RequestInfo } from '../model/index.ts';
import {
  bindingHash,
  HANDOFF_CODE_SECONDS,
  type PendingLogin,
  type SsoContext,
  type StepUp,
} from './context.ts';
import { readCookie, serializeCookie } from './cookies.ts';
import { errorPage } from './error-page.ts';
import { callbackOrigin, hostWithPort, onAuthHost, requestOrigin } from './origins.ts';
import { hostAllowed, safeRedirect } from './redirect.ts';
import { redirect } from './respond.ts';
import { randomToken } from './session-id.ts';

/**
 * `GET /.gatehouse/login?rd=URL[&max_age=N][&acr_values=A B][&amr_values=X Y]`: start a sign-in.
 *
 * - Auth host (or no auth host configured): authorization code flow with PKCE (S256),
 *   `state` and `nonce`, all kept server-side under `state` and bound to this browser by a
 *   short-lived cookie. A step-up adds `max_age`, `acr_values` and `prompt=login`.
 * - Another host with an auth host and host-only cookies: hand off to the auth host, which
 *   signs in (or finds the session it already has) and sends back a one-time code.
 * - On the auth host with `handoff=STATE&host=HOST`: that hand-off request.
 */
export function loginHandler(ctx: SsoContext) {
  return (info: RequestInfo, _req: IncomingMessage, res: ServerResponse): void => {
    login(ctx, info, res).catch((err: unknown) =>
      errorPage(res, info, 'ERR_IDP_UNAVAILABLE', {
        detail: err instanceof Error ? err.message : String(err),
      }),
    );
  };
}

const TOKEN_LIST = /^[\x21-\x7e]{1,256}( [\x21-\x7e]{1,256}){0,9}$/;
const STATE = /^[A-Za-z0-9_-]{43}$/;

/** The step-up a login URL asks for (max_age, acr, amr), or undefined. */
export function stepUpFrom(q: URLSearchParams): StepUp | undefined {
  const maxAgeRaw = q.get('max_age');
  const acr = q.get('acr_values') ?? q.get('acr');
  const amr = q.get('amr_values') ?? q.get('amr');
  const maxAge = maxAgeRaw !== null && /^\d{1,9}$/.test(maxAgeRaw) ? Number(maxAgeRaw) : undefined;
  const out: { maxAge?: number; acr?: string[]; amr?: string[] } = {};
  if (maxAge !== undefined) out.maxAge = maxAge;
  if (acr && TOKEN_LIST.test(acr)) out.acr = acr.split(' ');
  if (amr && TOKEN_LIST.test(amr)) out.amr = amr.split(' ');
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Query string for a step-up (appended to a login URL). */
export function stepUpQuery(s: StepUp | undefined): string {
  if (!s) return '';
  const q = new URLSearchParams();
  if (s.maxAge !== undefined) q.set('max_age', String(s.maxAge));
  if (s.acr?.length) q.set('acr_values', s.acr.join(' '));
  if (s.amr?.length) q.set('amr_values', s.amr.join(' '));
  return `&${q.toString()}`;
}

async function login(ctx: SsoContext, info: RequestInfo, res: ServerResponse): Promise<void> {
  const s = ctx.settings;
  const q = new URLSearchParams(info.query);
  const now = ctx.nowSeconds();
  const stepUp = stepUpFrom(q);
  const origin = requestOrigin(info, s);

  const handoffState = q.get('handoff');
  if (handoffState !== null) {
    // The auth host answering another host's hand-off request.
    const host = q.get('host') ?? '';
    if (!s.handoff || !onAuthHost(info, s) || !STATE.test(handoffState)) {
      errorPage(res, info, 'ERR_HANDOFF_INVALID');
      return;
    }
    const target = /^([a-z0-9.-]+)(:\d{1,5})?$/.exec(host.toLowerCase());
    // a host Gatehouse serves, on the port this auth host was reached on (or none): a code sent
    // to another port, or to a host Gatehouse does not serve, would hand the session to whoever
    // listens there
    if (
      !target ||
      !hostAllowed(s.handoffHosts, target[1]!) ||
      (target[2] !== undefined && target[2] !== explicitPort(info))
    ) {
      errorPage(res, info, 'ERR_REDIRECT_REFUSED');
      return;
    }
    const scheme = s.oidc.forceHttps ? 'https' : info.scheme;
    const handoff = {
      origin: `${scheme}://${host.toLowerCase()}`,
      host: host.toLowerCase(),
      state: handoffState,
    };
    if (!stepUp) {
      const existing = await ctx.sessions.lookup(info.headers?.cookie, now);
      if (existing.status === 'valid') {
        const code = randomToken();
        if (
          !ctx.handoffCodes.add(
            code,
            { sessionId: existing.id, host: handoff.host, state: handoffState },
            now + HANDOFF_CODE_SECONDS,
            now,
          )
        ) {
          errorPage(res, info, 'ERR_SESSION_STORE_UNAVAILABLE');
          return;
        }
        redirect(res, `${handoff.origin}/.gatehouse/handoff?code=${code}&state=${handoffState}`, {
          requestId: info.id,
        });
        return;
      }
    }
    await startOidc(ctx, info, res, { rd: `${handoff.origin}/`, handoff, ...(stepUp ? { stepUp } : {}) });
    return;
  }

  // The request's own host must be one of ours: a sign-in started on a host that merely
  // points at Gatehouse must not end with a redirect there.
  if (!s.anyHost && !hostAllowed(s.redirect, info.host)) {
    errorPage(res, info, 'ERR_REDIRECT_REFUSED');
    return;
  }
  const rdParam = q.get('rd');
  const rd = rdParam === null ? `${origin}/` : safeRedirect(rdParam, origin, s.redirect);
  if (rd === undefined) {
    errorPage(res, info, 'ERR_REDIRECT_REFUSED', { retry: '/.gatehouse/login' });
    return;
  }

  if (s.authHost && !onAuthHost(info, s)) {
    if (!s.handoff) {
      // Parent-domain cookie: the auth host signs in and sets the cookie for every host.
      redirect(
        res,
        `${callbackOrigin(info, s)}/.gatehouse/login?rd=${encodeURIComponent(rd)}${stepUpQuery(stepUp)}`,
        {
          requestId: info.id,
        },
      );
      return;
    }
    const { value, cookie } = bindingCookie(ctx, info);
    const state = randomToken();
    const host = hostWithPort(info, s.oidc.forceHttps ? 'https' : info.scheme);
    if (
      !ctx.handoffs.add(
        state,
        { binding: bindingHash(value), host, rd },
        now + s.oidc.loginTimeoutSeconds,
        now,
      )
    ) {
      errorPage(res, info, 'ERR_SESSION_STORE_UNAVAILABLE');
      return;
    }
    redirect(
      res,
      `${callbackOrigin(info, s)}/.gatehouse/login?handoff=${state}&host=${encodeURIComponent(host)}${stepUpQuery(stepUp)}`,
      { requestId: info.id, ...(cookie ? { cookies: [cookie] } : {}) },
    );
    return;
  }

  await startOidc(ctx, info, res, { rd, ...(stepUp ? { stepUp } : {}) });
}

/** The browser-binding cookie: reused when present, else a new one to set. */
function bindingCookie(ctx: SsoContext, info: RequestInfo): { value: string; cookie?: string } {
  const s = ctx.settings;
  const have = readCookie(info.headers?.cookie, s.loginCookieName);
  if (have.status === 'one' && STATE.test(have.value)) return { value: have.value };
  const value = randomToken();
  return {
    value,
    cookie: serializeCookie(s.loginCookieName, value, {
      secure: s.secure,
      sameSite: 'lax',
      maxAgeSeconds: s.oidc.loginTimeoutSeconds,
    }),
  };
}

async function startOidc(
  ctx: SsoContext,
  info: RequestInfo,
  res: ServerResponse,
  o: { rd: string; handoff?: PendingLogin['handoff']; stepUp?: StepUp },
): Promise<void> {
  const s = ctx.settings;
  const now = ctx.nowSeconds();
  let config: client.Configuration;
  try {
    config = await ctx.provider.configuration();
  } catch (err) {
    errorPage(res, info, 'ERR_IDP_UNAVAILABLE', { detail: err instanceof Error ? err.message : String(err) });
    return;
  }
  const { value, cookie } = bindingCookie(ctx, info);
  const state = randomToken();
  const nonce = randomToken();
  const verifier = client.randomPKCECodeVerifier();
  const redirectUri = `${callbackOrigin(info, s)}/.gatehouse/callback`;
  const pending: PendingLogin = {
    binding: bindingHash(value),
    nonce,
    verifier,
    redirectUri,
    rd: o.rd,
    ...(o.handoff ? { handoff: o.handoff } : {}),
    ...(o.stepUp ? { stepUp: o.stepUp } : {}),
  };
  if (!ctx.logins.add(state, pending, now + s.oidc.loginTimeoutSeconds, now)) {
    errorPage(res, info, 'ERR_SESSION_STORE_UNAVAILABLE');
    return;
  }
  const params: Record<string, string> = {
    ...s.oidc.authParams,
    redirect_uri: redirectUri,
    scope: s.scopes,
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  };
  if (o.stepUp) {
    params.prompt = 'login';
    if (o.stepUp.maxAge !== undefined) params.max_age = String(o.stepUp.maxAge);
    if (o.stepUp.acr?.length) params.acr_values = o.stepUp.acr.join(' ');
  }
  const url = ctx.provider.authorizationUrl(config, params);
  redirect(res, url.href, { requestId: info.id, ...(cookie ? { cookies: [cookie] } : {}) });
}

/** The `:port` this request's Host header names, or undefined when it names none. */
function explicitPort(info: RequestInfo): string | undefined {
  const host = info.headers.host;
  if (typeof host !== 'string') return undefined;
  const m = /:(\d{1,5})$/.exec(host);
  return m ? `:${m[1]}` : undefined;
}
