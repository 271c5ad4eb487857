import type { Authenticator, AuthnResult } from '../identity/index.ts';
import type { RequestInfo } from '../model/index.ts';
import type { Lookup, Sessions } from './sessions.ts';

const NOT_MINE: AuthnResult = Object.freeze({ status: 'not-mine' });

function toResult(l: Lookup): AuthnResult {
  switch (l.status) {
    case 'absent':
      return NOT_MINE;
    case 'valid':
      return { status: 'authenticated', principal: l.principal };
    case 'denied':
      return l.detail
        ? { status: 'denied', reason: l.reason, detail: l.detail }
        : { status: 'denied', reason: l.reason };
  }
}

/**
 * The session-cookie authenticator: no session cookie -> not-mine; a valid session -> the
 * person's principal (synchronously from the store when no refresh is due); a malformed,
 * unknown, expired or revoked session -> denied with its reason. Never throws.
 */
export function createSessionAuthenticator(sessions: Sessions): Authenticator {
  return {
    name: 'session',
    authenticate(request: RequestInfo, nowSeconds: number): AuthnResult | Promise<AuthnResult> {
      try {
        const l = sessions.lookup(request.headers?.cookie, nowSeconds);
        if (l instanceof Promise) {
          return l.then(toResult, () => ({ status: 'denied', reason: 'internal-error' }) as AuthnResult);
        }
        return toResult(l);
      } catch {
        return { status: 'denied', reason: 'internal-error' };
      }
    },
  };
}
