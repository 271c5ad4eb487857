import { z } from 'zod';

/**
 * `identity`: who may vouch for callers. Workload issuers (`jwt`), SPIFFE trust domains for
 * mTLS (`mtls`) and, later, the OIDC provider for people (`oidc`).
 */
export const IdentitySchema = z
  .strictObject({})
  .describe('Identity sources: JWT issuers, mTLS trust domains, OIDC');

export type IdentityConfig = z.infer<typeof IdentitySchema>;
