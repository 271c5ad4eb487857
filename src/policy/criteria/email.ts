import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { emailVerifiedAllows, type Principal } from '../../model/index.ts';
import { asList, defineCriterion } from './criterion.ts';

/**
 * `email: address | [addresses]` — case-insensitive. An email the issuer marked unverified
 * (`email_verified: false`) never matches: anyone can type any address into a sign-up form.
 */
export const email = defineCriterion({
  name: 'email',
  schema: CriteriaSchemas.email,
  reason: 'email-unauthorized',
  identity: true,
  cost: 0,
  compile: (arg) => {
    const allowed = new Set(asList(arg).map((e) => e.toLowerCase()));
    return (ctx) => {
      const address = verifiedEmail(ctx.principal);
      return address !== undefined && allowed.has(address.toLowerCase());
    };
  },
});

/** The principal's email, unless absent or not marked verified (see emailVerifiedAllows). */
export function verifiedEmail(p: Principal | undefined): string | undefined {
  if (!p?.email || !emailVerifiedAllows(p.claims['email_verified'])) return undefined;
  return p.email;
}
