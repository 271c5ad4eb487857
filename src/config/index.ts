export { deepFreeze } from './freeze.ts';
export { type LoadResult, loadConfigFile, loadConfigText } from './load.ts';
export { parseConfigText, type SourceMap, withLine, zodProblems } from './parse.ts';
export { type ConfigProblem, formatProblem, fromPointer, toPointer } from './problems.ts';
export {
  type Config,
  type ConfigInput,
  ConfigSchema,
  type ListenerConfig,
  type RouteConfig,
  type UpstreamConfig,
} from './schema.ts';
export type { AssertionConfig, RouteAssertionConfig } from './schema-assertion.ts';
export type { ForwardAuthConfig } from './schema-forward-auth.ts';
export { isAllowedKeyUrl, JWT_ALGORITHMS } from './schema-jwt.ts';
export { isAllowedIssuer, type OidcConfig, OidcSchema, oidcProblems } from './schema-oidc.ts';
export { SecretRef } from './secret-ref.ts';
export { resolveSecret } from './secrets.ts';
export { routeId, semanticProblems } from './semantic.ts';
