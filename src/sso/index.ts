/**
 * The SSO room: Gatehouse as an OpenID Connect relying party for people — sign-in with the
 * authorization code flow + PKCE, server-side sessions behind an opaque cookie, refresh
 * (single-flight), revocation (admin API, back-channel logout), step-up, and the
 * browser-vs-API answers. See docs/sso.md.
 */
export type { AdminGuard } from './admin.ts';
export { isApiRequest } from './client-kind.ts';
export { readCookie, serializeCookie } from './cookies.ts';
export {
  createSso,
  type Sso,
  type SsoAdminRoute,
  type SsoDeps,
  type SsoReservedHandler,
  storeFor,
} from './create-sso.ts';
export { hostAllowed, redirectPolicy, safeRedirect } from './redirect.ts';
export { createSessionAuthenticator } from './session-authenticator.ts';
export { isSessionId, newSessionId, sessionKey } from './session-id.ts';
export type { Lookup } from './sessions.ts';
