/** Render the config JSON Schema as a Markdown reference table (docs/config.md). */

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  required?: string[];
  additionalProperties?: Schema | boolean;
  propertyNames?: Schema;
  $ref?: string;
  minItems?: number;
  format?: string;
  pattern?: string;
};

function typeOf(s: Schema): string {
  if (s.enum) return s.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' | ');
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return alts.map(typeOf).join(' | ');
  if (s.type === 'array') return `${s.items ? typeOf(s.items) : 'any'}[]`;
  if (
    s.type === 'object' &&
    s.additionalProperties &&
    typeof s.additionalProperties === 'object' &&
    !s.properties
  ) {
    return `map of ${typeOf(s.additionalProperties)}`;
  }
  if (Array.isArray(s.type)) return s.type.join(' | ');
  return s.type ?? 'any';
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function configReference(root: Schema): string {
  const rows: string[] = ['| key | type | default | description |', '| --- | --- | --- | --- |'];
  const seen = new Set<Schema>();
  const walk = (s: Schema, path: string, required: boolean, depth: number) => {
    if (depth > 12 || seen.has(s)) return;
    if (path) {
      const def = s.default !== undefined ? `\`${JSON.stringify(s.default)}\`` : required ? '*required*' : '';
      rows.push(`| \`${path}\` | ${cell(typeOf(s))} | ${cell(def)} | ${cell(s.description ?? '')} |`);
    }
    seen.add(s);
    if (s.properties) {
      for (const [k, v] of Object.entries(s.properties)) {
        if (k === '$schema') continue;
        walk(v, path ? `${path}.${k}` : k, s.required?.includes(k) ?? false, depth + 1);
      }
    }
    if (s.items?.properties)
      walk(
        { ...s.items, description: undefined, default: undefined, type: 'object' } as Schema,
        `${path}[]`,
        false,
        depth + 1,
      );
    const alts = s.anyOf ?? s.oneOf;
    if (alts)
      for (const a of alts)
        if (a.properties)
          walk({ ...a, description: undefined, default: undefined }, `${path}`, false, depth + 1);
    if (
      s.additionalProperties &&
      typeof s.additionalProperties === 'object' &&
      s.additionalProperties.properties
    ) {
      walk(s.additionalProperties, `${path}.<name>`, false, depth + 1);
    }
    seen.delete(s);
  };
  walk(root, '', false, 0);
  // a nested object's own row is repeated by alternatives; keep the first
  return `${[...new Set(rows)].join('\n')}\n`;
}
