/** How the caller proved who it is. */
export type AuthMethod = 'session' | 'jwt' | 'mtls';

/** A SPIFFE ID split into its parts (spiffe://trust-domain/path). */
export interface SpiffeId {
  /** The whole ID, e.g. `spiffe://prod.example.org/ns/payments/sa/api`. */
  readonly id: string;
  readonly trustDomain: string;
  /** The path, starting with `/`; may be empty for a trust-domain-only ID (never for an SVID). */
  readonly path: string;
}

export interface KubernetesIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly podName?: string;
}

/**
 * One shape for every caller, person or workload. Built by an authenticator, read by policy,
 * the assertion signer and the audit log. Frozen once built.
 */
export interface Principal {
  readonly kind: 'user' | 'workload';
  /** Stable identifier within the issuer: `sub`, or the SPIFFE ID for mTLS. */
  readonly subject: string;
  /** Token `iss`, OIDC issuer, or `spiffe://<trust-domain>` for mTLS. */
  readonly issuer: string;
  readonly method: AuthMethod;
  readonly groups: readonly string[];
  /** Verified claims (JWT payload, OIDC ID token claims). Never contains the raw credential. */
  readonly claims: Readonly<Record<string, unknown>>;
  readonly email?: string;
  readonly spiffe?: SpiffeId;
  readonly kubernetes?: KubernetesIdentity;
  /** When the caller authenticated (epoch seconds): `auth_time`, `iat`, or handshake time. */
  readonly authTime?: number;
  /** When the credential expires (epoch seconds). */
  readonly expiresAt?: number;
  readonly acr?: string;
  readonly amr?: readonly string[];
  /** Name of the configured issuer / trust domain / provider that vouched for this principal. */
  readonly source: string;
}

/**
 * Whether an `email_verified` claim leaves the address usable: absent (many providers omit
 * it), `true`, or the string `"true"` in any case. Anything else (`false`, `"False"`, `0`,
 * `"no"`) marks it unverified: an address anyone could have typed never matches a rule.
 */
export function emailVerifiedAllows(claim: unknown): boolean {
  if (claim === undefined || claim === true) return true;
  return typeof claim === 'string' && claim.toLowerCase() === 'true';
}
