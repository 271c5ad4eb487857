import { serializeCookie } from './cookies.ts';
import type { SsoSettings } from './settings.ts';

/** The Set-Cookie for a session id: lives as long as the session's absolute lifetime. */
export function sessionCookie(s: SsoSettings, id: string, now: number, absoluteExpiresAt: number): string {
  return serializeCookie(s.cookieName, id, {
    secure: s.secure,
    sameSite: s.sameSite,
    domain: s.cookieDomain,
    maxAgeSeconds: Math.max(0, absoluteExpiresAt - now),
  });
}

/** The Set-Cookie that deletes the session cookie on this host (and the parent domain). */
export function clearSessionCookie(s: SsoSettings): string {
  return serializeCookie(s.cookieName, '', {
    secure: s.secure,
    sameSite: s.sameSite,
    domain: s.cookieDomain,
    maxAgeSeconds: 0,
  });
}
