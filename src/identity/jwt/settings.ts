import { JWT_ALGORITHMS } from '../../config/index.ts';
/**
 * One trusted issuer, as the config schema (`identity.jwt[]` in src/config/schema-jwt.ts)
 * produces it after defaults. Declared here so identity does not depend on the config room's
 * insides; the JWT tests check that a parsed config entry is assignable to it.
 */
export interface JwtIssuerSettings {
  readonly name: string;
  readonly issuer: string;
  readonly jwksUrl?: string | undefined;
  readonly discovery: boolean;
  readonly jwksFile?: string | undefined;
  readonly algorithms: readonly string[];
  readonly audiences: readonly string[];
  readonly clockSkewSeconds: number;
  readonly maxLifetimeSeconds: number;
  readonly requiredClaims?: readonly string[] | Readonly<Record<string, ClaimExpectation>> | undefined;
  readonly groupsClaim: string;
  readonly kind: 'workload' | 'user';
  readonly kubernetes: boolean;
  readonly spiffe: boolean;
  readonly replay: { readonly enabled: boolean };
  readonly maxTokenBytes: number;
  readonly jwksCacheSeconds: number;
  readonly jwksStaleSeconds: number;
  readonly jwksRefetchCooldownSeconds: number;
  readonly jwksTimeoutMs: number;
}

export type ClaimScalar = string | number | boolean;
/** An expected claim value; a list means "any of". */
export type ClaimExpectation = ClaimScalar | readonly ClaimScalar[];

/**
 * The only algorithms ever accepted, whatever a settings object says: asymmetric signatures
 * whose keys come from public-key sources. `none` and HS* are absent on purpose.
 */
export const ASYMMETRIC_ALGORITHMS: ReadonlySet<string> = new Set<string>(JWT_ALGORITHMS);
