import { z } from 'zod';
import { ConfigSchema } from '../config/index.ts';

/** The published JSON Schema for editors (`config.schema.json`), generated from the zod schema. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    $id: 'https://gatehouse.dev/schemas/config.schema.json',
    title: 'Gatehouse configuration',
  };
}
