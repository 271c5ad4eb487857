import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { defineCriterion } from './criterion.ts';
import { verifiedEmail } from './email.ts';

/**
 * `emailDomain: [domains]` — exact, case-insensitive match on the part after the last `@`.
 * No suffix matching: `evil-example.com` and `sub.example.com` are not `example.com`.
 */
export const emailDomain = defineCriterion({
  name: 'emailDomain',
  schema: CriteriaSchemas.emailDomain,
  reason: 'email-domain-unauthorized',
  identity: true,
  cost: 0,
  compile: (domains) => {
    const allowed = new Set(domains.map((d) => d.toLowerCase()));
    return (ctx) => {
      const address = verifiedEmail(ctx.principal);
      if (address === undefined) return false;
      const at = address.lastIndexOf('@');
      return at > 0 && allowed.has(address.slice(at + 1).toLowerCase());
    };
  },
});
