import type { Decision, Reason } from '../model/index.ts';

const UNAUTHENTICATED_PREFIXES = ['token-', 'cert-', 'jwks-', 'session-'];
const UNAUTHENTICATED = new Set<Reason>(['user-unauthenticated', 'credential-ambiguous', 'mtls-required']);

/** Whether a reason says "we don't know who you are" (401) rather than "you may not" (403). */
export function isAuthenticationFailure(reason: Reason): boolean {
  return UNAUTHENTICATED.has(reason) || UNAUTHENTICATED_PREFIXES.some((p) => reason.startsWith(p));
}

/**
 * The one mapping from a decision to an HTTP status (Pomerium's check_response.go idea):
 * 404 no route, 400 malformed request, 401 authentication missing or failed (and challenge),
 * 403 authenticated but not allowed, 500 internal error (still a deny).
 */
export function statusFor(decision: Decision): number {
  if (decision.outcome === 'allow') return 200;
  if (decision.outcome === 'challenge') return 401;
  const reason = decision.reasons[0];
  if (reason === undefined) return 403;
  if (reason === 'route-not-found') return 404;
  if (reason === 'request-invalid') return 400;
  if (reason === 'internal-error') return 500;
  if (isAuthenticationFailure(reason)) return 401;
  if (reason === 'no-rule-matched' && !decision.principal) return 401;
  return 403;
}

/**
 * Whether signing in (again) could turn this denial into an allow: no identity was presented,
 * or the session is gone. A presented bearer token or certificate that failed means the caller
 * is a program, not a person: it gets a 401, never a sign-in page. Shared by the proxy's SSO
 * challenge and the forward-auth answers, so they cannot disagree.
 */
export function loginMayHelp(decision: Decision): boolean {
  if (decision.outcome !== 'deny' || decision.mode !== 'enforce') return false;
  const reasons = decision.reasons;
  if (
    reasons.some(
      (r) =>
        r.startsWith('token-') || r.startsWith('cert-') || r === 'jwks-unavailable' || r === 'mtls-required',
    )
  ) {
    return false;
  }
  if (reasons[0]?.startsWith('session-') && reasons[0] !== 'session-store-unavailable') return true;
  return !decision.principal && reasons.includes('user-unauthenticated');
}
