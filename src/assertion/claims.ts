import type { Principal } from '../model/index.ts';

/**
 * The value of a claim a route asks for, read from the principal. Well-known names map to
 * principal fields; any other name reads the verified claim of that name.
 */
export function claimValue(p: Principal, name: string): unknown {
  switch (name) {
    case 'email':
      return p.email;
    case 'groups':
      return p.groups;
    case 'spiffe_id':
      return p.spiffe?.id;
    case 'namespace':
      return p.kubernetes?.namespace;
    case 'service_account':
      return p.kubernetes?.serviceAccount;
    case 'acr':
      return p.acr;
    case 'amr':
      return p.amr;
    case 'auth_time':
      return p.authTime;
    case 'idp_iss':
      return p.issuer;
    default:
      return p.claims[name];
  }
}

/** Claims that are always present and never trimmed. */
export const FIXED = ['sub', 'kind', 'auth_method'] as const;

export interface ClaimFragment {
  /** JSON members without braces: `"sub":"…","kind":"…",…` */
  readonly json: string;
  /** Number of groups dropped and claims dropped to fit the size budget. */
  readonly droppedGroups: number;
  readonly droppedClaims: readonly string[];
}

/**
 * Serialise the principal part of an assertion within `budget` bytes of JSON. Trimming rule
 * (docs/assertion.md): first drop groups from the end of the list and mark
 * `groups_truncated: true` with `groups_count`; then drop requested claims, last listed
 * first, naming them in `claims_truncated`. sub, kind and auth_method are never dropped.
 */
export function claimFragment(
  p: Principal | undefined,
  requested: readonly string[],
  budget: number,
): ClaimFragment {
  const fixed = p
    ? `"sub":${JSON.stringify(p.subject)},"kind":${JSON.stringify(p.kind)},"auth_method":${JSON.stringify(p.method)}`
    : '"sub":"anonymous","kind":"anonymous","auth_method":"none"';
  if (!p) return { json: fixed, droppedGroups: 0, droppedClaims: [] };
  const present: [string, unknown][] = [];
  for (const name of requested) {
    if (
      (FIXED as readonly string[]).includes(name) ||
      ['iss', 'aud', 'iat', 'exp', 'jti', 'req', 'nbf'].includes(name)
    )
      continue;
    const v = claimValue(p, name);
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    present.push([name, v]);
  }
  const render = (members: [string, unknown][], extra: string) =>
    fixed + members.map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`).join('') + extra;
  let json = render(present, '');
  if (json.length <= budget) return { json, droppedGroups: 0, droppedClaims: [] };

  let droppedGroups = 0;
  const gi = present.findIndex(([k]) => k === 'groups');
  if (gi !== -1) {
    const all = present[gi]![1] as unknown[];
    const marker = `,"groups_truncated":true,"groups_count":${all.length}`;
    // binary search the longest prefix of groups that fits
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const trial = present.map((m, i) => (i === gi ? ([m[0], all.slice(0, mid)] as [string, unknown]) : m));
      if (render(trial, marker).length <= budget) lo = mid;
      else hi = mid - 1;
    }
    droppedGroups = all.length - lo;
    present[gi] = ['groups', all.slice(0, lo)];
    json = render(present, marker);
    if (json.length <= budget) return { json, droppedGroups, droppedClaims: [] };
  }
  const droppedClaims: string[] = [];
  const groupsMarker =
    droppedGroups > 0
      ? `,"groups_truncated":true,"groups_count":${(claimValue(p, 'groups') as unknown[]).length}`
      : '';
  while (present.length > 0) {
    const [name] = present.pop()!;
    droppedClaims.unshift(name);
    json = render(present, `${groupsMarker},"claims_truncated":${JSON.stringify(droppedClaims)}`);
    if (json.length <= budget) break;
  }
  return { json, droppedGroups, droppedClaims };
}
