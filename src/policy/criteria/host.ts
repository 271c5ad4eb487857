import { CriteriaSchemas } from '../../config/schema-policy.ts';
import { defineCriterion } from './criterion.ts';

/** `host: [app.example.com, *.example.com]` — exact, or any sub-domain (not the apex) for `*.`. */
export const host = defineCriterion({
  name: 'host',
  schema: CriteriaSchemas.host,
  reason: 'host-unauthorized',
  identity: false,
  cost: 0,
  compile: (hosts) => {
    const exact = new Set<string>();
    const suffixes: string[] = [];
    for (const h of hosts) {
      const lower = h.toLowerCase();
      if (lower.startsWith('*.')) suffixes.push(lower.slice(1));
      else exact.add(lower);
    }
    return (ctx) => {
      const name = ctx.request.host;
      if (exact.has(name)) return true;
      for (const s of suffixes) if (name.length > s.length && name.endsWith(s)) return true;
      return false;
    };
  },
});
