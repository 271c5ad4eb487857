import { z } from 'zod';

export const SECRET_INLINE_HINT =
  'secrets are never written inline: reference the value with { file: /path/to/secret } or { env: VARIABLE_NAME }';

/**
 * A secret given by reference only. A plain string is refused with a message that says
 * how to reference it, so a key or password never sits in a config file or a Git history.
 */
export const SecretRef = z
  .union(
    [
      z.strictObject({ file: z.string().min(1).describe('Path of a file holding the secret') }),
      z.strictObject({
        env: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
          .describe('Name of an environment variable holding the secret'),
      }),
    ],
    {
      error: (issue) =>
        typeof issue.input === 'string' || typeof issue.input === 'number'
          ? SECRET_INLINE_HINT
          : `invalid secret reference: ${SECRET_INLINE_HINT}`,
    },
  )
  .meta({ description: 'A secret by reference: { file: PATH } or { env: NAME }. Never inline.' });

export type SecretRef = z.infer<typeof SecretRef>;
