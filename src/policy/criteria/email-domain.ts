import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { defineCriterion } from './criterion.ts';
import { verifiedEmail } from './email.ts';

/**
 * `emailDomain: [domains]` — exact, case-insensitive match on the part after the `@`. An
 * address with more than one `@` (`alice@evil.com@example.com`: mail systems and providers
 * disagree on its domain) never matches. No suffix matching: `evil-example.com` and
 * `sub.example.com` are not `example.com`.
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
      const domain = domainOf(address);
      return domain !== undefined && allowed.has(domain.toLowerCase());
    };
  },
});

/**
 * The domain of an address with exactly one `@` outside a quoted local part
 * (`"a@b"@example.com` is at example.com); undefined for `alice@evil.com@example.com`, which
 * mail systems and identity providers read differently.
 */
function domainOf(address: string): string | undefined {
  let from = 0;
  if (address.charCodeAt(0) === 0x22) {
    // a quoted local part: skip to its closing quote (backslash escapes a character)
    let i = 1;
    while (i < address.length && address.charCodeAt(i) !== 0x22) i += address.charCodeAt(i) === 0x5c ? 2 : 1;
    if (i >= address.length) return undefined;
    from = i + 1;
  }
  const at = address.indexOf('@', from);
  if (at <= 0 || at !== address.lastIndexOf('@')) return undefined;
  return address.slice(at + 1);
}
