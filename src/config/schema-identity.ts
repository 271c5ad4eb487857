import { z } from 'zod';
import { JwtIssuersSchema, JwtTokenCacheSizeSchema } from './schema-jwt.ts';
import { MtlsSchema } from './schema-mtls.ts';
import { OidcSchema } from './schema-oidc.ts';

/**
 * `identity`: who may vouch for callers. Workload issuers (`jwt`), SPIFFE trust domains for
 * mTLS (`mtls`) and, later, the OIDC provider for people (`oidc`).
 */
export const IdentitySchema = z
  .strictObject({
    jwt: JwtIssuersSchema.default([]),
    jwtTokenCacheSize: JwtTokenCacheSizeSchema,
    mtls: MtlsSchema.optional().describe('SPIFFE trust domains for mTLS client certificates (X.509-SVIDs)'),
    oidc: OidcSchema.optional().describe('OpenID Connect single sign-on for people (docs/sso.md)'),
  })
  .describe('Identity sources: JWT issuers, mTLS trust domains, OIDC');

export type IdentityConfig = z.infer<typeof IdentitySchema>;
