import { z } from 'zod';

/**
 * `identity.mtls`: SPIFFE trust domains whose X.509-SVIDs identify TLS clients.
 *
 * ```yaml
 * identity:
 *   mtls:
 *     trustDomains:
 *       - name: prod.example.org
 *         bundleFile: /run/spire/bundle/prod.pem
 *         kubernetes: true          # /ns/<ns>/sa/<sa> IDs are this cluster's service accounts
 *       - name: partner.example.net
 *         bundleFile: /etc/gatehouse/partner-bundle.pem
 *     subjectFrom: spiffe
 * ```
 */

/** SPIFFE trust domain name: 1..255 of lower-case letters, digits, `.`, `-`, `_` (SPIFFE-ID.md 2.1). */
export const TRUST_DOMAIN_NAME_PATTERN = /^[a-z0-9._-]{1,255}$/;

const TrustDomainName = z
  .string()
  .regex(
    TRUST_DOMAIN_NAME_PATTERN,
    'expected a SPIFFE trust domain name such as prod.example.org: lower-case letters, digits, ".", "-" and "_" only, ' +
      'without spiffe://, port or path',
  );

export const MtlsTrustDomainSchema = z
  .strictObject({
    name: TrustDomainName.describe(
      'Trust domain name, e.g. prod.example.org; SVIDs of spiffe://<name>/... are accepted',
    ),
    bundleFile: z
      .string()
      .min(1)
      .describe(
        'PEM file of the trust domain CA certificate(s). Re-read when it changes (atomic rename supported); ' +
          'a file that fails to parse keeps the last good bundle',
      ),
    kubernetes: z
      .boolean()
      .default(false)
      .describe(
        'SPIFFE IDs of this domain of the form spiffe://<name>/ns/<namespace>/sa/<service-account> name ' +
          'Kubernetes service accounts (Istio, SPIRE Kubernetes registration): they fill principal.kubernetes ' +
          'and can match kubernetes rules. Default false: kubernetes rules never match this domain, so a ' +
          "partner's or another cluster's /ns/ci/sa/deployer is not taken for yours",
      ),
  })
  .describe('A SPIFFE trust domain and its X.509 bundle');

export const MtlsSchema = z
  .strictObject({
    trustDomains: z
      .array(MtlsTrustDomainSchema)
      .min(1)
      .superRefine((domains, ctx) => {
        const seen = new Map<string, number>();
        domains.forEach((d, i) => {
          const prior = seen.get(d.name);
          if (prior !== undefined) {
            ctx.addIssue({
              code: 'custom',
              path: [i, 'name'],
              message: `duplicate trust domain "${d.name}" (also /identity/mtls/trustDomains/${prior})`,
            });
          } else seen.set(d.name, i);
        });
      })
      .describe('Trust domains whose X.509-SVIDs are accepted; each verified only against its own bundle'),
    subjectFrom: z
      .enum(['spiffe'])
      .default('spiffe')
      .describe(
        'What becomes the principal subject: spiffe, the SPIFFE ID from the URI SAN (default spiffe)',
      ),
  })
  .describe('mTLS client authentication with SPIFFE X.509-SVIDs');

export type MtlsConfigInput = z.input<typeof MtlsSchema>;
export type MtlsConfig = z.output<typeof MtlsSchema>;
