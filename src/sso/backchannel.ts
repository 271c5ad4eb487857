import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestInfo } from '../model/index.ts';
import { publish } from '../observe/index.ts';
import type { SsoContext } from './context.ts';
import { IdpError } from './provider.ts';
import { readBody, sendJson } from './respond.ts';

/**
 * `POST /.gatehouse/backchannel-logout` (OpenID Connect Back-Channel Logout 1.0): the
 * provider says a person signed out there. The logout token is verified (signature, iss,
 * aud, iat, events, sub or sid, no nonce) and used once (jti); then every session created
 * from that provider session (`sid`), or else of that subject, is revoked: the next request
 * on any host is refused.
 */
export function backchannelHandler(ctx: SsoContext) {
  return (info: RequestInfo, req: IncomingMessage, res: ServerResponse): void => {
    backchannel(ctx, info, req, res).catch(() =>
      sendJson(res, 400, { error: 'invalid_request' }, { 'x-request-id': info.id }),
    );
  };
}

async function backchannel(
  ctx: SsoContext,
  info: RequestInfo,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const fail = (status: number, error: string) =>
    sendJson(res, status, { error }, { 'x-request-id': info.id });
  if (!ctx.settings.oidc.backchannelLogout) return fail(404, 'not_found');
  if (req.method !== 'POST') return fail(405, 'method_not_allowed');
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded')) return fail(400, 'invalid_request');
  const form = new URLSearchParams(await readBody(req, 16 * 1024));
  const token = form.get('logout_token');
  if (!token || form.getAll('logout_token').length !== 1) return fail(400, 'invalid_request');
  const now = ctx.nowSeconds();
  // Provider tokens are checked against the wall clock, as openid-client checks ID tokens;
  // the injected clock governs sessions.
  const wall = Math.floor(Date.now() / 1000);
  let config: Awaited<ReturnType<typeof ctx.provider.configuration>>;
  try {
    config = await ctx.provider.configuration();
  } catch {
    return fail(503, 'temporarily_unavailable');
  }
  let claims: Awaited<ReturnType<typeof ctx.provider.verifyLogoutToken>>;
  try {
    claims = await ctx.provider.verifyLogoutToken(config, token, wall);
  } catch (err) {
    if (err instanceof IdpError && err.kind === 'unavailable') return fail(503, 'temporarily_unavailable');
    return fail(400, 'invalid_request');
  }
  const issuer = ctx.provider.issuer(config);
  let first: boolean;
  try {
    first = ctx.logoutReplay.checkAndRemember(`${issuer}\n${claims.jti}`, claims.exp, wall);
  } catch {
    return fail(503, 'temporarily_unavailable');
  }
  if (!first) return fail(400, 'invalid_request');
  const store = ctx.sessions.store;
  const count = claims.sid
    ? await store.revokeSid(issuer, claims.sid, now)
    : await store.revokeSubject(claims.sub!, issuer, now);
  publish.session({
    type: 'backchannel-logout',
    issuer,
    ...(claims.sub ? { subject: claims.sub } : {}),
    count,
    detail: claims.sid ? 'sid' : 'sub',
  });
  res.writeHead(200, { 'cache-control': 'no-store', 'content-length': 0, 'x-request-id': info.id });
  res.end();
}
