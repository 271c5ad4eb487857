import type { ServerResponse } from 'node:http';
import { ERRORS, type ErrorCode } from '../errors/index.ts';
import type { RequestInfo } from '../model/index.ts';
import { publish } from '../observe/index.ts';
import { renderPage } from './pages.ts';
import { sendHtml } from './respond.ts';

const TITLES: Partial<Record<ErrorCode, string>> = {
  ERR_LOGIN_STATE_INVALID: 'Sign-in could not be completed',
  ERR_LOGIN_FAILED: 'Sign-in was not completed',
  ERR_IDP_UNAVAILABLE: 'Sign-in is unavailable',
  ERR_REDIRECT_REFUSED: 'Redirect refused',
  ERR_LOGOUT_FORBIDDEN: 'Sign-out refused',
  ERR_HANDOFF_INVALID: 'Sign-in could not be completed',
  ERR_SESSION_STORE_UNAVAILABLE: 'Sign-in is unavailable',
};

/**
 * Answer an SSO endpoint failure with a page: the catalogue's public message, the error
 * code, the request id and a way to start again. `detail` goes to the internal-error
 * channel (for the operator's log), never to the page.
 */
export function errorPage(
  res: ServerResponse,
  info: RequestInfo,
  code: ErrorCode,
  options: { detail?: string; cookies?: readonly string[]; retry?: string } = {},
): void {
  const entry = ERRORS[code];
  if (options.detail && entry.status >= 500) {
    publish.internalError({ where: `sso ${code}`, requestId: info.id, error: new Error(options.detail) });
  }
  const html = renderPage({
    title: TITLES[code] ?? 'Error',
    text: [entry.message.charAt(0).toUpperCase() + entry.message.slice(1) + '.'],
    details: [
      ['Error', code],
      ['Request id', info.id],
    ],
    links: [{ href: options.retry ?? '/.gatehouse/login', text: 'Sign in again' }],
  });
  sendHtml(res, entry.status, html, {
    requestId: info.id,
    ...(options.cookies ? { cookies: options.cookies } : {}),
  });
}
