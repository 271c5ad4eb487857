/**
 * The forward-auth room: Gatehouse as the external authorizer of an ingress. HTTP
 * forward-auth adapters (nginx / ingress-nginx, Traefik, Caddy, Envoy HTTP service; one file
 * each under adapters/, registered in adapters/registry.ts) and the Envoy ext_authz gRPC
 * service (ext-authz/) all end in one check (check.ts): the original request normalised
 * with the proxy's rules, then exactly `decide()`. The contract is docs/forward-auth.md.
 */
export type { AdapterName, ForwardAuthAdapter, OriginalRequest } from './adapter.ts';
export { ADAPTERS } from './adapters/registry.ts';
export { denyStatus } from './answer.ts';
export { authorizationService, EXTERNAL_AUTH_PROTO, LOADER_OPTIONS, PROTO_DIR } from './ext-authz/load.ts';
export { EXT_AUTHZ_LISTENER } from './ext-authz/server.ts';
export { ENDPOINT_PATHS, type ForwardAuthDeps, type HttpCheckHandler } from './http-handler.ts';
export type { LeanHead } from './lean-http/head.ts';
export type { CheckHttpResponse, LeanResponse } from './lean-http/response.ts';
export { LeanHttpServer, type LeanServerOptions } from './lean-http/server.ts';
export { ForwardAuth } from './service.ts';
