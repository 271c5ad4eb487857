import { z } from 'zod';
import { AssertionSchema, RouteAssertionSchema } from './schema-assertion.ts';
import { Cidr, Millis, Timeouts } from './schema-common.ts';
import { ForwardAuthSchema } from './schema-forward-auth.ts';
import { IdentitySchema } from './schema-identity.ts';
import { PolicySchema } from './schema-policy.ts';
import { SecretRef } from './secret-ref.ts';

/**
 * The configuration schema: one source for the runtime validator, the TypeScript types and
 * the published `config.schema.json`. Keys are camelCase; objects are strict so a typo is an
 * error with a pointer, not a silently ignored key.
 */

const ListenerTls = z.strictObject({
  certFile: z.string().min(1).describe('PEM certificate chain; reloaded when the file changes'),
  keyFile: z.string().min(1).describe('PEM private key; reloaded when the file changes'),
  clientCertificates: z
    .enum(['none', 'optional', 'required'])
    .default('none')
    .describe('Ask TLS clients for a certificate (mTLS); verified against identity.mtls trust domains'),
});

const Listener = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/)
    .describe('Unique name, used in logs and by routes that pin a listener'),
  address: z.string().default('127.0.0.1').describe('Address to bind (default 127.0.0.1)'),
  port: z.number().int().min(0).max(65535).describe('TCP port; 0 picks a free one'),
  tls: ListenerTls.optional(),
});

const HostPattern = z
  .string()
  .regex(
    /^(\*|(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?)$/,
    'expected a host name such as app.example.com, a wildcard such as *.example.com, or *',
  );

const PathPattern = z
  .string()
  .regex(/^\/[^?#\\\s%]*$/, 'expected an absolute path without query, backslash, space or percent-encoding');

const UpstreamTls = z.strictObject({
  caFile: z.string().min(1).optional().describe('PEM CA bundle to verify the upstream certificate'),
  certFile: z.string().min(1).optional().describe('Client certificate for proxy-to-upstream mTLS'),
  keyFile: z.string().min(1).optional().describe('Client key for proxy-to-upstream mTLS'),
  serverName: z.string().optional().describe('SNI and name to verify (default: the URL host)'),
});

const UpstreamObject = z.strictObject({
  url: z
    .url({ protocol: /^https?$/ })
    .describe('http:// or https:// origin of the service, e.g. http://app.ns.svc.cluster.local:8080'),
  timeouts: Timeouts.optional(),
  tls: UpstreamTls.optional(),
  connections: z.number().int().min(1).max(10_000).optional().describe('Keep-alive pool size (default 128)'),
});

export const Upstream = z.union([z.url({ protocol: /^https?$/ }), UpstreamObject]);

const Route = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)
    .optional()
    .describe('Stable id used in logs and metrics (default: host + path)'),
  match: z.strictObject({
    host: HostPattern.describe('Exact host, *.example.com (any sub-domain), or * (any host)'),
    path: PathPattern.default('/').describe('Path; a prefix on a segment boundary unless pathMatch is exact'),
    pathMatch: z.enum(['prefix', 'exact']).default('prefix'),
  }),
  upstream: Upstream.optional().describe('Where allowed requests go'),
  public: z
    .boolean()
    .default(false)
    .describe('No identity required. Without public or a policy, the route denies'),
  mode: z
    .enum(['enforce', 'audit'])
    .default('enforce')
    .describe('audit: decide and log, but let denied requests through'),
  policy: z
    .union([z.string(), PolicySchema])
    .optional()
    .describe('A named policy from `policies`, or an inline one'),
  maxBodyBytes: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('Request body limit in bytes (default: proxy.maxBodyBytes)'),
  timeouts: Timeouts.optional(),
  forwardAuthorization: z.boolean().default(false).describe('Forward the Authorization header upstream'),
  requireMtls: z
    .boolean()
    .default(false)
    .describe('Only callers authenticated by a client certificate (SPIFFE X.509-SVID) may use this route'),
  listeners: z.array(z.string()).optional().describe('Serve this route only on these listeners'),
  assertion: RouteAssertionSchema.default(() => RouteAssertionSchema.parse({})),
});

const ProxySettings = z.strictObject({
  trustedProxies: z
    .array(Cidr)
    .default([])
    .describe('Peers whose X-Forwarded-For / X-Request-Id are believed. Default: none'),
  mergeSlashes: z.boolean().default(true).describe('Merge repeated slashes in paths (default true)'),
  allowSemicolons: z
    .boolean()
    .default(false)
    .describe(
      'Accept ";" in paths (matrix parameters). Default false: 400, since servers disagree on ";" (the ..;/ trick)',
    ),
  maxBodyBytes: z
    .number()
    .int()
    .min(0)
    .default(64 * 1024 * 1024)
    .describe('Request body limit in bytes (default 64 MiB)'),
  maxHeaderBytes: z
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024)
    .default(32 * 1024),
  timeouts: Timeouts.default({}),
  clientHeadersTimeoutMs: Millis.default(20_000).describe('Time a client has to send request headers'),
  shutdownGraceMs: Millis.default(25_000).describe('SIGTERM: how long in-flight requests may finish'),
});

const Admin = z.strictObject({
  address: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(9901),
  token: SecretRef.optional().describe('Bearer token required for admin write APIs'),
});

const Audit = z.strictObject({
  output: z
    .union([z.enum(['stdout', 'stderr']), z.strictObject({ file: z.string().min(1) })])
    .default('stdout')
    .describe('Where decision records go, one JSON line each'),
});

export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    listeners: z.array(Listener).min(1),
    admin: Admin.default({ address: '127.0.0.1', port: 9901 }),
    proxy: ProxySettings.default(() => ProxySettings.parse({})),
    identity: IdentitySchema.default(() => IdentitySchema.parse({})),
    assertion: AssertionSchema.default(() => AssertionSchema.parse({})),
    policies: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/), PolicySchema).default({}),
    routes: z.array(Route).default([]),
    audit: Audit.default({ output: 'stdout' }),
    forwardAuth: ForwardAuthSchema.optional(),
  })
  .describe('Gatehouse configuration');

export type ConfigInput = z.input<typeof ConfigSchema>;
export type Config = z.output<typeof ConfigSchema>;
export type RouteConfig = Config['routes'][number];
export type ListenerConfig = Config['listeners'][number];
export type UpstreamConfig = z.infer<typeof UpstreamObject>;
