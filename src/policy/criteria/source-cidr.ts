import { BlockList, isIP } from 'node:net';
import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { CriterionConfigError, defineCriterion } from './criterion.ts';

/**
 * `sourceCidr: [10.0.0.0/8, 2001:db8::/32]` — the client address (after trusted-proxy
 * processing) lies in one of the ranges. IPv4 ranges also match IPv4-mapped IPv6 addresses
 * (`::ffff:10.1.2.3`). A network narrows a rule; `gatehouse check` warns when it is the only
 * thing an allow rule asks for.
 */
export const sourceCidr = defineCriterion({
  name: 'sourceCidr',
  schema: CriteriaSchemas.sourceCidr,
  reason: 'source-unauthorized',
  identity: false,
  cost: 1,
  compile: (cidrs) => {
    const list = new BlockList();
    for (const [i, cidr] of cidrs.entries()) {
      const problem = addCidr(list, cidr);
      if (problem) throw new CriterionConfigError(problem, `/${i}`);
    }
    return (ctx) => {
      const address = ctx.request.clientAddress;
      const family = isIP(address);
      if (family === 0) return false;
      try {
        return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
      } catch {
        return false;
      }
    };
  },
});

function addCidr(list: BlockList, cidr: string): string | undefined {
  const slash = cidr.indexOf('/');
  const address = slash < 0 ? cidr : cidr.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return `"${cidr}" is not an IP address or CIDR`;
  const max = family === 4 ? 32 : 128;
  const prefix = slash < 0 ? max : Number(cidr.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max)
    return `"${cidr}": prefix length must be 0..${max}`;
  list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  return undefined;
}
