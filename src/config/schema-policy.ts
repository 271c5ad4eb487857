import { z } from 'zod';
import { Cidr } from './schema-common.ts';

/**
 * The policy language schema: `allow` and `deny` rule lists, each rule a set of criteria that
 * must all hold. The argument schema of every criterion is declared here (`CriteriaSchemas`)
 * so the config room owns the whole file shape; src/policy/criteria/* compile each argument
 * into a matcher and a test keeps both lists in step.
 *
 * This file is longer than most (~400 lines) because it is one table of ~25 small schemas:
 * splitting it would scatter the language reference across files.
 *
 * Shape checks only: regular-expression safety, CIDR parsing, time zones and CEL are checked
 * by `compilePolicy` (src/policy), which reports them with the same JSON pointers.
 */

/** Longest list accepted anywhere in a policy (values, rules, sub-rules). */
export const MAX_POLICY_LIST = 10_000;

const list = <T extends z.ZodType>(item: T) =>
  z.array(item).max(MAX_POLICY_LIST, `too many entries: at most ${MAX_POLICY_LIST}`);

const NonEmpty = z.string().min(1, 'must not be empty').max(1024, 'at most 1024 characters');

const StringOrList = z.union([NonEmpty, list(NonEmpty)], {
  error: 'expected a string or a list of strings',
});

const AnyOfAllOf = (what: string) =>
  exactlyOne(
    z.strictObject({
      anyOf: list(NonEmpty).optional().describe(`Matches when the caller has at least one of these ${what}`),
      allOf: list(NonEmpty).optional().describe(`Matches when the caller has every one of these ${what}`),
    }),
    ['anyOf', 'allOf'],
  );

const DnsName = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const HostPattern = z
  .string()
  .max(253)
  .refine((s) => DnsName.test(s.startsWith('*.') ? s.slice(2) : s), {
    error: 'expected a host name such as app.example.com or a wildcard such as *.example.com',
  });

const AbsolutePath = z
  .string()
  .max(2048)
  .regex(/^\/[^?#\s]*$/, 'expected an absolute path starting with / (no query, fragment or space)');

/** A claim path: dotted (`employment.type`) or a list of keys for names holding dots (`["https://x.io/roles"]`). */
const ClaimPath = z
  .union([
    z
      .string()
      .max(256)
      .regex(/^[^.]+(\.[^.]+)*$/, 'expected a dotted claim path such as employment.type'),
    z.array(z.string().min(1).max(256)).min(1).max(16),
  ])
  .describe('Claim path: dotted (employment.type) or a list of keys (["https://example.com/roles"])');

const Scalar = z.union([z.string().max(1024), z.number(), z.boolean()], {
  error: 'expected a string, number or boolean',
});

const Regex = z
  .string()
  .min(1)
  .max(512, 'a regular expression is limited to 512 characters')
  .describe('Regular expression, anchored (must match the whole value); no backreferences or lookarounds');

const HeaderName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'expected an HTTP header name')
  .max(256)
  .describe('Header name, case-insensitive');

function exactlyOne<T extends z.ZodObject>(schema: T, keys: readonly string[]): T {
  return schema.superRefine((value, ctx) => {
    const given = keys.filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `expected exactly one of ${keys.join(', ')}${given.length ? ` (got ${given.join(' and ')})` : ''}`,
      });
    }
  }) as T;
}

function atLeastOne<T extends z.ZodObject>(schema: T, keys: readonly string[]): T {
  return schema.superRefine((value, ctx) => {
    if (!keys.some((k) => (value as Record<string, unknown>)[k] !== undefined)) {
      ctx.addIssue({ code: 'custom', message: `expected at least one of ${keys.join(', ')}` });
    }
  }) as T;
}

/** Every criterion a rule may name, with the schema of its argument. */
export const CriteriaSchemas = {
  authenticated: z
    .boolean()
    .describe('true: the caller presented a valid credential; false: the caller is anonymous'),
  kind: z.enum(['user', 'workload']).describe('user (a person) or workload (a service, CI job)'),
  subject: StringOrList.describe('Principal subject (sub, or the SPIFFE ID for mTLS): one or a list, exact'),
  email: StringOrList.describe(
    'Email address: one or a list, case-insensitive; an email marked unverified never matches',
  ),
  emailDomain: list(
    z.string().max(253).regex(DnsName, 'expected a domain such as example.com (no @, no wildcard)'),
  ).describe(
    'Email domains: exact match on the part after the last @, case-insensitive; sub-domains do not match',
  ),
  groups: AnyOfAllOf('groups').describe('{ anyOf: [...] } or { allOf: [...] }: group names, case-sensitive'),
  claim: exactlyOne(
    z.strictObject({
      path: ClaimPath,
      equals: Scalar.optional().describe(
        'Exact value (type-sensitive); an array claim matches if it contains it',
      ),
      in: list(Scalar).optional().describe('One of these values'),
      matches: Regex.optional(),
    }),
    ['equals', 'in', 'matches'],
  ).describe('Any verified claim: { path, equals | in | matches }'),
  issuer: StringOrList.describe('Issuer (iss, OIDC issuer, or spiffe://trust-domain): one or a list, exact'),
  authMethod: list(z.enum(['session', 'jwt', 'mtls'])).describe(
    'How the caller authenticated: session, jwt, mtls',
  ),
  spiffeId: z
    .strictObject({
      exact: z
        .string()
        .max(2048)
        .regex(
          /^spiffe:\/\/[^/]+(\/.*)?$/,
          'expected a SPIFFE ID such as spiffe://prod.example.org/ns/ci/sa/deployer',
        )
        .optional()
        .describe('The whole SPIFFE ID'),
      trustDomain: z
        .string()
        .max(255)
        .regex(/^[a-z0-9._-]+$/, 'expected a trust domain such as prod.example.org (lower-case)')
        .optional()
        .describe('Trust domain, exact'),
      path: AbsolutePath.optional().describe(
        'Path glob: * matches one segment, ** any number of segments (default **)',
      ),
    })
    .superRefine((v, ctx) => {
      if ((v.exact === undefined) === (v.trustDomain === undefined)) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected either exact or trustDomain (with an optional path)',
        });
      } else if (v.exact !== undefined && v.path !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'path goes with trustDomain, not with exact',
          path: ['path'],
        });
      }
    })
    .describe('{ exact } or { trustDomain, path }'),
  kubernetes: atLeastOne(
    z.strictObject({
      namespace: list(z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'expected a namespace name'))
        .optional()
        .describe('Namespaces, exact'),
      serviceAccount: list(
        z
          .string()
          .regex(
            /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\/)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/,
            'expected a service account name or namespace/name',
          ),
      )
        .optional()
        .describe('Service accounts: name (any allowed namespace) or namespace/name'),
    }),
    ['namespace', 'serviceAccount'],
  ).describe('Kubernetes service account identity: { namespace, serviceAccount }'),
  method: list(z.string().regex(/^[A-Za-z]+$/, 'expected an HTTP method such as GET')).describe(
    'HTTP methods (compared upper-case)',
  ),
  path: exactlyOne(
    z.strictObject({
      exact: AbsolutePath.optional().describe('The whole path'),
      prefix: AbsolutePath.optional().describe(
        'A prefix on a segment boundary: /admin matches /admin/x, not /administrator',
      ),
      glob: AbsolutePath.optional().describe('Glob: * matches within one segment, ** any number of segments'),
    }),
    ['exact', 'prefix', 'glob'],
  ).describe('Request path (canonical form): { exact } | { prefix } | { glob }'),
  host: list(HostPattern).describe('Request hosts: exact, or *.example.com (any sub-domain, not the apex)'),
  header: exactlyOne(
    z.strictObject({
      name: HeaderName,
      equals: z.string().max(8192).optional().describe('Exact value'),
      in: list(z.string().max(8192)).optional().describe('One of these values'),
      matches: Regex.optional(),
      present: z.boolean().optional().describe('true: the header is present; false: it is absent'),
    }),
    ['equals', 'in', 'matches', 'present'],
  ).describe('Request header: { name, equals | in | matches | present }'),
  query: exactlyOne(
    z.strictObject({
      name: z.string().min(1).max(256).describe('Query parameter name'),
      equals: z.string().max(8192).optional().describe('Exact value; a repeated parameter never matches'),
      in: list(z.string().max(8192))
        .optional()
        .describe('One of these values; a repeated parameter never matches'),
      present: z.boolean().optional().describe('true: the parameter is present; false: it is absent'),
    }),
    ['equals', 'in', 'present'],
  ).describe('Query parameter: { name, equals | in | present }'),
  sourceCidr: list(Cidr).describe('Client address ranges (IPv4, IPv6). Narrows a rule; never grants alone'),
  timeWindow: atLeastOne(
    z.strictObject({
      days: list(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']))
        .optional()
        .describe('Week days (default: all)'),
      hours: z
        .string()
        .regex(
          /^([01]\d|2[0-4]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/,
          'expected HH:MM-HH:MM such as 09:00-18:00',
        )
        .optional()
        .describe(
          'Local time range, start inclusive, end exclusive; may wrap midnight (22:00-06:00). Default: all day',
        ),
      timezone: z
        .string()
        .min(1)
        .max(64)
        .optional()
        .describe('IANA time zone such as Europe/Paris (default UTC)'),
    }),
    ['days', 'hours'],
  ).describe('Local time window, evaluated with the decision clock'),
  authAge: z
    .strictObject({
      maxSeconds: z
        .number()
        .int()
        .min(0)
        .max(31_536_000)
        .describe('Longest time since authentication, in seconds'),
    })
    .describe(
      'Authentication freshness (auth_time); use a rule challenge to ask for re-authentication instead',
    ),
  acr: list(NonEmpty).describe('Authentication context class (acr): one of these'),
  amr: AnyOfAllOf('authentication methods (amr)').describe(
    'Authentication methods (amr): { anyOf } or { allOf }',
  ),
  tenant: exactlyOne(
    z.strictObject({
      claim: ClaimPath,
      equalsHeader: HeaderName.optional().describe('The claim equals this request header'),
      equalsPathSegment: z
        .number()
        .int()
        .min(0)
        .max(63)
        .optional()
        .describe('The claim equals path segment N (0-based)'),
      equalsQuery: z.string().min(1).max(256).optional().describe('The claim equals this query parameter'),
    }),
    ['equalsHeader', 'equalsPathSegment', 'equalsQuery'],
  ).describe('Tenant binding: a claim must equal a value taken from the request'),
  when: z
    .string()
    .min(1)
    .max(65_536)
    .describe('CEL condition over principal, request and context; must be bool (length limit default 4096)'),
};

export type CriterionName = keyof typeof CriteriaSchemas;
export type CriterionArg<N extends CriterionName> = z.infer<(typeof CriteriaSchemas)[N]>;

export const CRITERION_NAMES = Object.keys(CriteriaSchemas) as readonly CriterionName[];
const RULE_KEYS: readonly string[] = [
  'id',
  'description',
  'challenge',
  'any',
  'all',
  'not',
  ...CRITERION_NAMES,
];

/** A near miss for an unknown key, so `grups` suggests `groups`. */
function suggest(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

const unknownKey =
  (what: string, known: readonly string[]) =>
  (issue: { code?: string; keys?: readonly string[] }): string | undefined =>
    issue.code === 'unrecognized_keys' && issue.keys
      ? issue.keys.map((k) => `unknown ${what} "${k}"${suggest(k, known)}`).join('; ')
      : undefined;

const ChallengeSchema = atLeastOne(
  z.strictObject({
    maxAgeSeconds: z
      .number()
      .int()
      .min(0)
      .max(31_536_000)
      .optional()
      .describe('Longest time since authentication, in seconds; older -> challenge (re-authenticate)'),
    acr: list(NonEmpty)
      .optional()
      .describe('The caller acr must be one of these; otherwise -> challenge (step-up)'),
    amr: list(NonEmpty)
      .optional()
      .describe('The caller amr must contain at least one of these; otherwise -> challenge (step-up)'),
  }),
  ['maxAgeSeconds', 'acr', 'amr'],
);

const criteriaShape = Object.fromEntries(
  Object.entries(CriteriaSchemas).map(([name, schema]) => [name, schema.optional()]),
) as { [N in CriterionName]: z.ZodOptional<(typeof CriteriaSchemas)[N]> };

export type ChallengeConfig = z.infer<typeof ChallengeSchema>;

/** The criteria of one rule, each optional. */
export type CriteriaConfig = { [N in CriterionName]?: CriterionArg<N> };

/** One rule as written in the config. */
export interface RuleConfig extends CriteriaConfig {
  id?: string | undefined;
  description?: string | undefined;
  challenge?: ChallengeConfig | undefined;
  any?: RuleConfig[] | undefined;
  all?: RuleConfig[] | undefined;
  not?: RuleConfig | undefined;
}

/**
 * One rule: criteria that must all hold, plus optional `id`, `description`, a `challenge`
 * (top-level allow rules only) and the combinators `any`, `all`, `not`.
 */
export const RuleSchema: z.ZodType<RuleConfig> = z.strictObject(
  {
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'expected letters, digits, ".", "_", ":" or "-"')
      .max(128)
      .optional()
      .describe('Rule id shown in decisions and traces (default: allow[N] / deny[N]); top-level rules only'),
    description: z.string().max(1024).optional().describe('Free text for people'),
    challenge: ChallengeSchema.optional().describe(
      'Top-level allow rules only: when the other criteria hold but authentication is too old or weak, answer challenge (re-authenticate / step up) instead of deny',
    ),
    ...criteriaShape,
    get any() {
      return z
        .array(RuleSchema)
        .max(MAX_POLICY_LIST, `too many entries: at most ${MAX_POLICY_LIST}`)
        .optional()
        .describe('Sub-rules: at least one must match');
    },
    get all() {
      return z
        .array(RuleSchema)
        .max(MAX_POLICY_LIST, `too many entries: at most ${MAX_POLICY_LIST}`)
        .optional()
        .describe('Sub-rules: every one must match');
    },
    get not() {
      return RuleSchema.optional().describe('A sub-rule that must not match');
    },
  },
  { error: unknownKey('criterion', RULE_KEYS) },
);

/** A policy: `allow` and `deny` rule lists. The language is compiled by src/policy. */
export const PolicySchema = z
  .strictObject(
    {
      description: z.string().max(1024).optional().describe('Free text for people'),
      allow: list(RuleSchema).optional().describe('Rules that admit a request; at least one must match'),
      deny: list(RuleSchema).optional().describe('Rules that refuse a request; any match denies (deny wins)'),
    },
    { error: unknownKey('policy key', ['description', 'allow', 'deny']) },
  )
  .describe('allow and deny rule lists; deny wins; nothing matches -> deny');

export type PolicyConfig = z.infer<typeof PolicySchema>;
