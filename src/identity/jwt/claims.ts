import { readClaim } from '../claim-path.ts';
import { type Denied, deny } from './deny.ts';
import type { ClaimExpectation, ClaimScalar, JwtIssuerSettings } from './settings.ts';

/** What the claim checks need to know about an issuer. */
export interface ClaimPolicy {
  readonly settings: JwtIssuerSettings;
  readonly audiences: ReadonlySet<string>;
}

/**
 * Checks a verified claims set against its issuer's rules at `nowSeconds` (the injected
 * clock), with `clockSkewSeconds` of tolerance at each time edge:
 * - `aud`: a string or array holding at least one configured audience;
 * - `exp` required; expired when `now >= exp + skew`;
 * - `nbf` (optional): not yet valid when `nbf > now + skew`;
 * - `iat` required (the lifetime cannot be bounded without it); in the future when
 *   `iat > now + skew`; `exp - iat` at most `maxLifetimeSeconds`;
 * - `auth_time` (optional, OIDC): like `iat`, never in the future (`authAge` rules read it);
 * - `sub` a non-empty string; `requiredClaims` present / equal.
 * Registered time claims that are not finite numbers make the token malformed.
 * Returns the denial, or undefined when every check passes.
 */
export function checkClaims(
  claims: Readonly<Record<string, unknown>>,
  policy: ClaimPolicy,
  nowSeconds: number,
): Denied | undefined {
  const { settings } = policy;
  const skew = settings.clockSkewSeconds;

  if (!audienceMatches(claims.aud, policy.audiences))
    return deny('token-audience-invalid', 'no accepted aud');

  if (!Object.hasOwn(claims, 'exp')) return deny('token-exp-missing');
  const { exp, nbf, iat, auth_time: authTime } = claims;
  if (!isNumericDate(exp)) return deny('token-malformed', 'exp is not a number');
  if (nbf !== undefined && !isNumericDate(nbf)) return deny('token-malformed', 'nbf is not a number');
  if (iat !== undefined && !isNumericDate(iat)) return deny('token-malformed', 'iat is not a number');
  if (authTime !== undefined && !isNumericDate(authTime))
    return deny('token-malformed', 'auth_time is not a number');

  if (nowSeconds >= exp + skew) return deny('token-expired');
  if (nbf !== undefined && nbf > nowSeconds + skew) return deny('token-not-yet-valid');
  if (iat === undefined) return deny('token-claim-missing', 'iat is required to bound the token lifetime');
  if (iat > nowSeconds + skew) return deny('token-issued-in-future');
  if (authTime !== undefined && authTime > nowSeconds + skew)
    return deny('token-issued-in-future', 'auth_time is in the future');
  if (exp - iat > settings.maxLifetimeSeconds) {
    return deny('token-lifetime-too-long', `exp - iat = ${exp - iat}s > ${settings.maxLifetimeSeconds}s`);
  }

  if (typeof claims.sub !== 'string' || claims.sub === '')
    return deny('token-claim-missing', 'sub is missing');
  return checkRequiredClaims(claims, settings.requiredClaims);
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function audienceMatches(aud: unknown, accepted: ReadonlySet<string>): boolean {
  if (typeof aud === 'string') return accepted.has(aud);
  return Array.isArray(aud) && aud.some((one) => typeof one === 'string' && accepted.has(one));
}

function checkRequiredClaims(
  claims: Readonly<Record<string, unknown>>,
  required: JwtIssuerSettings['requiredClaims'],
): Denied | undefined {
  if (required === undefined) return undefined;
  if (isNameList(required)) {
    for (const path of required) {
      if (readClaim(claims, path) == null) return deny('token-claim-missing', `claim ${path} is missing`);
    }
    return undefined;
  }
  for (const [path, expected] of Object.entries(required)) {
    if (!claimMatches(readClaim(claims, path), expected)) {
      return deny('token-claim-missing', `claim ${path} is missing or has another value`);
    }
  }
  return undefined;
}

function isNameList(
  required: NonNullable<JwtIssuerSettings['requiredClaims']>,
): required is readonly string[] {
  return Array.isArray(required);
}

/** Equal to the expected value (or to any of a list); an array claim matches when it holds one. */
function claimMatches(actual: unknown, expected: ClaimExpectation): boolean {
  const options: readonly ClaimScalar[] = Array.isArray(expected) ? expected : [expected as ClaimScalar];
  if (Array.isArray(actual)) return actual.some((one) => options.includes(one as ClaimScalar));
  return options.includes(actual as ClaimScalar);
}
