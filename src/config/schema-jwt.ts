import { z } from 'zod';

/**
 * `identity.jwt[]`: issuers whose signed JWTs identify callers (Kubernetes projected
 * service-account tokens, SPIRE JWT-SVIDs, CI OIDC tokens, IdP access tokens).
 *
 * Keys always come from a public-key source (JWKS URL, OIDC discovery, or a local file), so
 * only asymmetric algorithms can be configured: HS* would let anyone who can read the public
 * key forge tokens (algorithm confusion), and `none` is never accepted.
 */

/** Every algorithm an issuer may list. */
export const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** The default list when `algorithms` is not given (ES512 must be asked for). */
export const DEFAULT_JWT_ALGORITHMS: readonly JwtAlgorithm[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'EdDSA',
];

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

/** Whether `url` may be fetched for keys: https, or plain http only to a loopback address. */
export function isAllowedKeyUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username || parsed.password || parsed.hash) return false;
  if (parsed.protocol === 'https:') return true;
  if (parsed.protocol !== 'http:') return false;
  return LOOPBACK_HOSTS.has(parsed.hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(parsed.hostname);
}

const KEY_URL_MESSAGE =
  'expected an https:// URL without credentials or fragment (plain http is allowed only to a loopback address such as 127.0.0.1)';

const KeyUrl = z.string().refine(isAllowedKeyUrl, KEY_URL_MESSAGE);

const Algorithm = z.enum(JWT_ALGORITHMS, {
  error: (issue) =>
    `algorithm ${JSON.stringify(issue.input)} is not allowed: use one of ${JWT_ALGORITHMS.join(', ')}. ` +
    'HS* (shared secret) and none are refused because issuer keys are public',
});

const ClaimValue = z.union([z.string(), z.number(), z.boolean()]);

/**
 * Claim paths (`groupsClaim`, `requiredClaims` keys) name a top-level claim, or walk into
 * objects with dots: `realm_access.roles`. A key that itself contains dots is found first
 * (`kubernetes.io.namespace` reads `namespace` inside the `kubernetes.io` claim).
 */
const ClaimPath = z.string().min(1).max(256);

const Seconds = (max: number) => z.number().int().min(0).max(max);

export const JwtIssuerSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/)
      .describe('Unique name of this issuer; becomes principal.source and appears in logs'),
    issuer: z
      .string()
      .min(1)
      .max(2048)
      .describe(
        'Exact `iss` value tokens of this issuer carry, e.g. https://kubernetes.default.svc.cluster.local',
      ),
    jwksUrl: KeyUrl.optional().describe(
      'JWKS URL (https; http only to loopback). One of jwksUrl, discovery, jwksFile',
    ),
    discovery: z
      .boolean()
      .default(false)
      .describe('Find the JWKS from <issuer>/.well-known/openid-configuration (jwks_uri). Default false'),
    jwksFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Local JWKS (JSON) or PEM public key(s) file; re-read when it changes (checked every few seconds)',
      ),
    algorithms: z
      .array(Algorithm)
      .min(1)
      .default(() => [...DEFAULT_JWT_ALGORITHMS])
      .describe('Accepted signature algorithms. Default: RS256/384/512, PS256/384/512, ES256, ES384, EdDSA'),
    audiences: z
      .array(z.string().min(1))
      .min(1)
      .describe('Accepted `aud` values; a token must carry at least one of them (required)'),
    clockSkewSeconds: Seconds(300)
      .default(30)
      .describe('Allowed clock difference for exp/nbf/iat, in seconds (default 30)'),
    maxLifetimeSeconds: z
      .number()
      .int()
      .min(1)
      .max(366 * 86_400)
      .default(3600)
      .describe('Longest accepted exp - iat, in seconds (default 3600); tokens must carry iat'),
    requiredClaims: z
      .union([
        z.array(ClaimPath).min(1),
        z.record(ClaimPath, z.union([ClaimValue, z.array(ClaimValue).min(1)])),
      ])
      .optional()
      .describe(
        'Claims that must be present (a list of claim paths), or a map of claim path -> expected value ' +
          '(a list means any of; an array claim matches when it contains the value)',
      ),
    groupsClaim: ClaimPath.default('groups').describe(
      'Claim path holding the groups (string or array); default groups',
    ),
    kind: z
      .enum(['workload', 'user'])
      .default('workload')
      .describe('Principal kind: workload (default) or user (IdP access tokens)'),
    kubernetes: z
      .boolean()
      .default(false)
      .describe(
        'Read namespace / service account / pod from the kubernetes.io claim or sub; required when true',
      ),
    spiffe: z
      .boolean()
      .default(false)
      .describe('The sub is a SPIFFE ID (JWT-SVID); it must parse per the SPIFFE spec'),
    replay: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe('Require a jti and accept each jti only once (default false)'),
      })
      .default({ enabled: false })
      .describe('One-time use of tokens'),
    maxTokenBytes: z
      .number()
      .int()
      .min(256)
      .max(65_536)
      .default(8192)
      .describe('Largest accepted token, in bytes (default 8192)'),
    jwksCacheSeconds: Seconds(86_400)
      .default(300)
      .describe('How long fetched keys are fresh, in seconds (default 300)'),
    jwksStaleSeconds: Seconds(7 * 86_400)
      .default(3600)
      .describe(
        'How long past freshness the last good keys are used while the endpoint fails, in seconds (default 3600)',
      ),
    jwksRefetchCooldownSeconds: Seconds(3600)
      .default(30)
      .describe(
        'Least time between two key fetches (unknown kid, retry after failure), in seconds (default 30)',
      ),
    jwksTimeoutMs: z
      .number()
      .int()
      .min(10)
      .max(60_000)
      .default(5000)
      .describe('Time limit for one key fetch (discovery + JWKS), in ms (default 5000)'),
  })
  .superRefine((issuer, ctx) => {
    const sources = [issuer.jwksUrl !== undefined, issuer.discovery, issuer.jwksFile !== undefined].filter(
      Boolean,
    );
    if (sources.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'give exactly one key source: jwksUrl, discovery: true, or jwksFile',
      });
    }
    if (issuer.discovery && !isAllowedKeyUrl(issuer.issuer)) {
      ctx.addIssue({
        code: 'custom',
        path: ['issuer'],
        message: `discovery needs an issuer URL: ${KEY_URL_MESSAGE}`,
      });
    }
  })
  .describe('A trusted JWT issuer');

export const JwtIssuersSchema = z
  .array(JwtIssuerSchema)
  .superRefine((issuers, ctx) => {
    const names = new Set<string>();
    const iss = new Set<string>();
    issuers.forEach((issuer, i) => {
      if (names.has(issuer.name)) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `duplicate issuer name "${issuer.name}"`,
        });
      }
      if (iss.has(issuer.issuer)) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'issuer'],
          message: 'another entry already has this issuer',
        });
      }
      names.add(issuer.name);
      iss.add(issuer.issuer);
    });
  })
  .describe('Trusted JWT issuers (Kubernetes, SPIRE, CI, IdP access tokens)');

/** Size of the verified-token cache shared by all JWT issuers. */
export const JwtTokenCacheSizeSchema = z
  .number()
  .int()
  .min(0)
  .max(1_000_000)
  .default(10_000)
  .describe('Verified-token cache entries (default 10000; 0 disables the cache)');

export type JwtIssuerInput = z.input<typeof JwtIssuerSchema>;
export type JwtIssuerConfig = z.output<typeof JwtIssuerSchema>;
