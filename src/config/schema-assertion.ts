import { z } from 'zod';

const HeaderName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/, 'expected an HTTP header name such as X-Gatehouse-User')
  .max(128);

/** A signing key, from a file only (PEM PKCS#8 or a JWK with its private part). */
const SigningKey = z.strictObject({
  file: z.string().min(1).describe('PEM (PKCS#8) or JWK (JSON) private key file. Never inline.'),
  kid: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .optional()
    .describe('Key id published in the JWKS (default: the RFC 7638 thumbprint)'),
  activateAt: z.iso
    .datetime({ offset: true })
    .optional()
    .describe(
      'When this key starts signing (ISO 8601). Default: at start-up for keys present then; leadSeconds after a reload added it',
    ),
});

/** `assertion`: the signed identity assertion sent to upstreams. */
export const AssertionSchema = z.strictObject({
  issuer: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      'iss of every assertion, and where upstreams find the JWKS (default: http://gatehouse.invalid; set it)',
    ),
  header: HeaderName.default('X-Gatehouse-Assertion').describe(
    'Request header carrying the assertion upstream',
  ),
  ttlSeconds: z
    .number()
    .int()
    .min(5)
    .max(300)
    .default(60)
    .describe('Assertion lifetime in seconds (default 60, at most 300)'),
  algorithm: z
    .enum(['ES256', 'EdDSA'])
    .default('ES256')
    .describe('Algorithm of an ephemeral key (configured keys carry their own)'),
  leadSeconds: z
    .number()
    .int()
    .min(0)
    .max(86_400)
    .default(300)
    .describe('A key added by a reload is published this long before it signs (default 300 s)'),
  keys: z
    .array(SigningKey)
    .max(16)
    .default([])
    .describe('Signing keys, newest last. Empty: an ephemeral in-memory key (single replica only)'),
});

/** Per-route assertion settings. */
export const RouteAssertionSchema = z.strictObject({
  enabled: z.boolean().default(true).describe('Send the assertion to this upstream (default true)'),
  audience: z
    .string()
    .min(1)
    .max(512)
    .optional()
    .describe('aud of the assertion (default: the upstream origin)'),
  claims: z
    .array(z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/))
    .max(64)
    .default(['email', 'groups'])
    .describe('Principal claims to include besides the standard ones (default: email, groups)'),
  maxBytes: z
    .number()
    .int()
    .min(512)
    .max(65_536)
    .default(4096)
    .describe(
      'Size budget of the encoded assertion in bytes; over it, claims are trimmed (docs/assertion.md)',
    ),
  headers: z
    .strictObject({
      user: HeaderName.optional().describe('Plain header with the subject, e.g. X-Gatehouse-User'),
      email: HeaderName.optional().describe('Plain header with the email, e.g. X-Gatehouse-Email'),
      groups: HeaderName.optional().describe(
        'Plain header with comma-separated groups, e.g. X-Gatehouse-Groups',
      ),
    })
    .optional()
    .describe('Plain claim headers for apps that cannot verify a JWT (weaker than the assertion)'),
});

export type AssertionConfig = z.output<typeof AssertionSchema>;
export type RouteAssertionConfig = z.output<typeof RouteAssertionSchema>;
