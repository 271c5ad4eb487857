import {
  emailVerifiedAllows,
  type KubernetesIdentity,
  type Principal,
  type SpiffeId,
} from '../../model/index.ts';
import { readClaim } from '../claim-path.ts';
import { explainSpiffeId } from '../spiffe-id.ts';
import { type Denied, deny } from './deny.ts';
import { deepFreezeJson } from './json-value.ts';
import { readKubernetesIdentity } from './kubernetes.ts';
import type { JwtIssuerSettings } from './settings.ts';

export type PrincipalResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly denied: Denied };

/**
 * The frozen {@link Principal} for a verified claims set whose time, audience and `sub` checks
 * passed. `claims` is the verified payload itself (frozen here); it never holds the token.
 * With `spiffe`, the `sub` must be a SPIFFE ID with a path; with `kubernetes`, a Kubernetes
 * service-account identity must be present: otherwise the token is refused.
 */
export function buildPrincipal(
  claims: Record<string, unknown>,
  settings: JwtIssuerSettings,
): PrincipalResult {
  const subject = claims.sub as string;
  let spiffe: SpiffeId | undefined;
  if (settings.spiffe) {
    const parsed = explainSpiffeId(subject, true);
    if (!parsed.ok) return { ok: false, denied: deny('token-spiffe-id-invalid', parsed.detail) };
    spiffe = parsed.id;
  }
  let kubernetes: KubernetesIdentity | undefined;
  if (settings.kubernetes) {
    const read = readKubernetesIdentity(claims);
    if (!read.ok) return { ok: false, denied: deny('token-claim-missing', read.detail) };
    kubernetes = read.identity;
  }
  const email = readEmail(claims);
  const authTime = typeof claims.auth_time === 'number' ? claims.auth_time : (claims.iat as number);
  const amr = Array.isArray(claims.amr)
    ? claims.amr.filter((v): v is string => typeof v === 'string')
    : undefined;
  const principal: Principal = {
    kind: settings.kind,
    subject,
    issuer: claims.iss as string,
    method: 'jwt',
    groups: Object.freeze(readGroups(claims, settings.groupsClaim)),
    claims: deepFreezeJson(claims),
    ...(email !== undefined && { email }),
    ...(spiffe && { spiffe }),
    ...(kubernetes && { kubernetes }),
    authTime,
    expiresAt: claims.exp as number,
    ...(typeof claims.acr === 'string' && { acr: claims.acr }),
    ...(amr && { amr: Object.freeze(amr) }),
    source: settings.name,
  };
  return { ok: true, principal: Object.freeze(principal) };
}

/** Groups from a string or an array claim (non-string members skipped); anything else is none. */
function readGroups(claims: Readonly<Record<string, unknown>>, path: string): string[] {
  const value = readClaim(claims, path);
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** `email` unless `email_verified` says anything but verified (see emailVerifiedAllows). */
function readEmail(claims: Readonly<Record<string, unknown>>): string | undefined {
  if (typeof claims.email !== 'string' || claims.email === '') return undefined;
  return emailVerifiedAllows(claims.email_verified) ? claims.email : undefined;
}
