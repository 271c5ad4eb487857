/**
 * The closed list of decision reason codes: stable kebab-case strings that appear in the
 * audit log, in deny pages and JSON bodies, in `explain` traces and in metrics labels.
 * A denial is not an error: these are not error codes (see src/errors/catalogue.ts).
 *
 * Add a code here (and to docs/reasons.md, kept in step by a test) before using it.
 */
export const REASONS = {
  // --- allow ---------------------------------------------------------------------------
  'public-route': 'the route is public: no identity is required',
  'rule-matched': 'an allow rule matched and no deny rule did',

  // --- routing and request shape ---------------------------------------------------------
  'route-not-found': 'no route matches the host and path',
  'request-invalid': 'the request is malformed or ambiguous',
  'route-denied': 'the route has no policy that admits anyone',

  // --- authentication --------------------------------------------------------------------
  'user-unauthenticated': 'no credential was presented',
  'credential-ambiguous': 'more than one credential of one kind was presented',
  'token-malformed': 'the bearer token is not a well-formed compact JWS',
  'token-too-large': 'the bearer token exceeds the size limit',
  'token-alg-not-allowed': 'the token algorithm is not allowed for its issuer',
  'token-header-forbidden':
    'the token header carries a key or key location (jku, x5u, jwk, x5c) that is never trusted',
  'token-crit-unsupported': 'the token header lists critical extensions that are not understood',
  'token-kid-invalid': 'the token key id is not acceptable',
  'token-key-not-found': 'no key of the issuer matches the token',
  'token-signature-invalid': 'the token signature does not verify',
  'token-issuer-unknown': 'the token issuer is not a configured issuer',
  'token-audience-invalid': 'the token audience is not one this issuer requires',
  'token-expired': 'the token has expired',
  'token-not-yet-valid': 'the token is not valid yet (nbf)',
  'token-issued-in-future': 'the token was issued in the future beyond the allowed clock skew',
  'token-exp-missing': 'the token has no expiry',
  'token-lifetime-too-long': 'the token lifetime exceeds the issuer maximum',
  'token-claim-missing': 'a required claim is missing or has the wrong value',
  'token-jti-missing': 'replay protection requires a jti claim',
  'token-replayed': 'the token has been used before',
  'token-spiffe-id-invalid': 'the token subject is not a valid SPIFFE ID with a path',
  'replay-store-unavailable': 'the replay store cannot record the token, so it is refused',
  'jwks-unavailable': 'the issuer keys cannot be fetched and no usable cached copy exists',
  'cert-required': 'the route requires a client certificate',
  'cert-invalid': 'the client certificate is not valid',
  'cert-expired': 'the client certificate has expired',
  'cert-not-yet-valid': 'the client certificate is not valid yet',
  'cert-spiffe-id-invalid': 'the client certificate does not hold exactly one valid SPIFFE ID',
  'cert-trust-domain-unknown': 'the SPIFFE trust domain is not configured',
  'cert-is-ca': 'the client certificate is a CA certificate',
  'cert-key-usage-invalid': 'the client certificate key usage does not allow client authentication',
  'cert-chain-invalid': 'the client certificate does not chain to its trust domain bundle',
  'mtls-required': 'the route requires mutual TLS authentication',
  'session-invalid': 'the session cookie is malformed, tampered with, or names no session',
  'session-expired': 'the session reached its absolute lifetime or idle timeout, or its tokens expired',
  'session-revoked': 'the session was revoked (sign-out, admin revocation or back-channel logout)',
  'session-refresh-failed': 'the identity provider refused to refresh the session, so it has ended',
  'session-store-unavailable': 'the session store cannot be read, so the session is refused',

  // --- authorization -----------------------------------------------------------------------
  'subject-unauthorized': 'the subject is not allowed on this route',
  'no-rule-matched': 'no allow rule matched',
  'deny-rule-matched': 'a deny rule matched',
  // policy criteria (src/policy/criteria): the code a failed criterion yields
  'kind-unauthorized': 'the principal kind (user / workload) is not allowed',
  'email-unauthorized': 'the email address is not allowed',
  'email-domain-unauthorized': 'the email domain is not allowed',
  'group-unauthorized': 'the principal is not in an allowed group',
  'claim-unauthorized': 'a claim does not have an allowed value',
  'issuer-unauthorized': 'the issuer is not allowed',
  'auth-method-unauthorized': 'the authentication method is not allowed',
  'spiffe-id-unauthorized': 'the SPIFFE ID is not allowed',
  'kubernetes-unauthorized': 'the Kubernetes namespace or service account is not allowed',
  'method-not-allowed': 'the HTTP method is not allowed',
  'path-unauthorized': 'the path is not allowed',
  'host-unauthorized': 'the host is not allowed',
  'header-unauthorized': 'a request header does not have an allowed value',
  'query-unauthorized': 'a query parameter does not have an allowed value',
  'source-unauthorized': 'the client address is not in an allowed range',
  'time-window-closed': 'the request is outside the allowed time window',
  'tenant-mismatch': 'the tenant in the request does not match the principal',
  'condition-failed': 'a policy condition (when) is false',
  'auth-too-old': 'the authentication is older than the policy allows',
  'acr-insufficient': 'the authentication context class (acr) is not strong enough',
  'amr-insufficient': 'the authentication methods (amr) are not strong enough',

  // --- forward-auth / ext_authz (src/forward-auth) ---------------------------------------------
  'forward-auth-untrusted-peer': 'the forward-auth or ext_authz caller is not in forwardAuth.trustedProxies',
  'forward-auth-headers-missing':
    'the forward-auth request lacks the headers that describe the original request',
  'forward-auth-headers-conflict':
    'the forward-auth request describes the original request twice, differently (or with headers of two peers)',

  // --- failure -----------------------------------------------------------------------------
  'internal-error': 'an internal error occurred while deciding; the request is denied',
} as const;

export type Reason = keyof typeof REASONS;

export function isReason(value: string): value is Reason {
  return Object.hasOwn(REASONS, value);
}
