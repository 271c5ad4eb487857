import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { CriterionConfigError, defineCriterion } from './criterion.ts';

/**
 * `kubernetes: { namespace: [...], serviceAccount: [...] }` — both lists must match when both
 * are given. A service account is `namespace/name`, or a bare `name` combined with the
 * namespace list: a bare name alone would admit that account name from every namespace, so
 * it is refused without a namespace list.
 */
export const kubernetes = defineCriterion({
  name: 'kubernetes',
  schema: CriteriaSchemas.kubernetes,
  reason: 'kubernetes-unauthorized',
  identity: true,
  cost: 0,
  compile: (arg) => {
    const namespaces = arg.namespace ? new Set(arg.namespace) : undefined;
    let qualified: Set<string> | undefined;
    let names: Set<string> | undefined;
    if (arg.serviceAccount) {
      qualified = new Set();
      names = new Set();
      for (const [i, sa] of arg.serviceAccount.entries()) {
        if (sa.includes('/')) qualified.add(sa);
        else if (!namespaces) {
          throw new CriterionConfigError(
            `service account "${sa}" without a namespace would match it in every namespace: write namespace/${sa} or add a namespace list`,
            `/serviceAccount/${i}`,
          );
        } else names.add(sa);
      }
    }
    return (ctx) => {
      const k = ctx.principal?.kubernetes;
      if (!k) return false;
      if (namespaces && !namespaces.has(k.namespace)) return false;
      if (!qualified || !names) return true;
      return names.has(k.serviceAccount) || qualified.has(`${k.namespace}/${k.serviceAccount}`);
    };
  },
});
