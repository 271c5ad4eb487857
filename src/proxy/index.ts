export { flavourFor, renderDeny, sendDeny } from './deny-response.ts';
export {
  createRequestHandler,
  createUpgradeHandler,
  type ProxyContext,
  readRequest,
  wwwAuthenticate,
} from './handler.ts';
export { isGatehouseHeader, isIdentityHeader, isRewriteHeader } from './hygiene.ts';
export { markMalformed } from './malformed.ts';
export { recordRefusedHead } from './refused-head.ts';
export {
  buildRequestInfo,
  isRequestId,
  type ListenerContext,
  REFUSED_METHODS,
  type RequestHead,
} from './request-info.ts';
export { TrustedProxies } from './trusted-proxies.ts';
export { Tunnels } from './tunnels.ts';
export { UpstreamPools } from './upstream-pools.ts';
