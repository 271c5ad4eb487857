import { z } from 'zod';

/** A policy: `allow` and `deny` rule lists. The full language lives in src/policy. */
export const PolicySchema = z
  .strictObject({
    allow: z.array(z.unknown()).optional(),
    deny: z.array(z.unknown()).optional(),
  })
  .describe('allow and deny rule lists; deny wins; nothing matches -> deny');

export type PolicyConfig = z.infer<typeof PolicySchema>;
