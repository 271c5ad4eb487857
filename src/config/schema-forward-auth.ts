import { z } from 'zod';
import { Cidr } from './schema-common.ts';

/**
 * `forwardAuth`: Gatehouse as the external authorizer of an ingress that already runs
 * (nginx `auth_request` and ingress-nginx `auth-url`, Traefik ForwardAuth, Caddy
 * `forward_auth`, Envoy `ext_authz` over HTTP and gRPC). Present means enabled.
 *
 * ```yaml
 * forwardAuth:
 *   trustedProxies: [10.0.0.0/8]
 *   signInUrl: https://auth.example.com/.gatehouse/login
 *   grpc: { port: 9191, trustSourcePrincipal: true }
 * ```
 * The contract (headers in, headers out, status per outcome) is docs/forward-auth.md.
 */

const HeaderName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/, 'expected an HTTP header name such as X-Auth-Request-User')
  .max(128);

/** What an extra response header carries: a principal field, or `claim:<name>`. */
const HeaderSource = z
  .string()
  .regex(
    /^(subject|email|groups|issuer|kind|spiffeId|namespace|serviceAccount|claim:[A-Za-z0-9_.:-]{1,128})$/,
    'expected subject, email, groups, issuer, kind, spiffeId, namespace, serviceAccount or claim:<name>',
  );

const PathPrefix = z
  .string()
  .regex(
    /^\/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-]$/,
    'expected an absolute path without trailing slash, query or percent-encoding, e.g. /.gatehouse/ext-authz',
  );

const GrpcTls = z.strictObject({
  certFile: z.string().min(1).describe('PEM certificate chain of the gRPC server'),
  keyFile: z.string().min(1).describe('PEM private key of the gRPC server'),
  clientCaFile: z
    .string()
    .min(1)
    .optional()
    .describe('PEM CA bundle: when set, callers must present a client certificate it signed (mTLS)'),
});

const Grpc = z.strictObject({
  address: z.string().default('127.0.0.1').describe('Address to bind the gRPC server (default 127.0.0.1)'),
  port: z.number().int().min(0).max(65535).describe('TCP port of the gRPC server; 0 picks a free one'),
  tls: GrpcTls.optional().describe('Serve gRPC over TLS (default: plaintext, e.g. inside a mesh)'),
  trustSourcePrincipal: z
    .boolean()
    .default(false)
    .describe(
      "Use attributes.source.principal (the SPIFFE ID the gateway verified by mTLS) as the caller's workload identity. Default false",
    ),
  maxMessageBytes: z
    .number()
    .int()
    .min(16 * 1024)
    .max(64 * 1024 * 1024)
    .default(4 * 1024 * 1024)
    .describe('Largest CheckRequest accepted, in bytes (default 4 MiB); larger calls fail and Envoy denies'),
});

export const ForwardAuthSchema = z
  .strictObject({
    trustedProxies: z
      .array(Cidr)
      .min(1, 'forwardAuth needs at least one trusted proxy: the ingress addresses that may ask')
      .describe(
        'Peers (IP or CIDR) that may send forward-auth / ext_authz checks with original-request headers. Others get 403 forward-auth-untrusted-peer',
      ),
    listener: z
      .string()
      .optional()
      .describe('Name of a listener dedicated to forward-auth: every path on it is the auth endpoint'),
    leanHttp: z
      .boolean()
      .default(true)
      .describe(
        "Serve the dedicated listener's checks with Gatehouse's lean HTTP/1.1 engine (bodiless HTTP/1.1 checks; anything else is handed to node:http). Default true; false serves every check with node:http",
      ),
    signInUrl: z
      .string()
      .regex(
        /^(\/[^\s?#]*|https?:\/\/[^\s#]+)$/,
        'expected a path such as /.gatehouse/login or an http(s) URL',
      )
      .default('/.gatehouse/login')
      .describe(
        'Where a browser is sent to sign in, with rd=<original URL>. A path is on the original host (default /.gatehouse/login)',
      ),
    envoyPathPrefix: PathPrefix.default('/.gatehouse/ext-authz').describe(
      'The path_prefix of an Envoy ext_authz HTTP service: the original path follows it (default /.gatehouse/ext-authz)',
    ),
    responseHeaders: z
      .record(HeaderName, HeaderSource)
      .default({})
      .describe(
        'Extra identity headers on an allow answer, name -> what it carries (e.g. X-Auth-Request-Email: email). Default none',
      ),
    grpc: Grpc.optional().describe('Envoy ext_authz gRPC service (envoy.service.auth.v3.Authorization)'),
  })
  .describe('External authorization for an ingress: forward-auth and Envoy ext_authz');

export type ForwardAuthConfig = z.output<typeof ForwardAuthSchema>;
