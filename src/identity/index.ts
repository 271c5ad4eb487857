export { type Authenticator, type AuthnResult, NOT_MINE } from './authenticator.ts';
export { readClaim } from './claim-path.ts';
export {
  type ClaimExpectation,
  createJwtAuthenticator,
  JwtAuthenticator,
  type JwtAuthenticatorDeps,
  type JwtAuthenticatorStats,
  type JwtIssuerSettings,
  type SignatureVerifier,
} from './jwt/index.ts';
export {
  clientCertificateMissingReason,
  createMtlsAuthenticator,
  kubernetesFromSpiffeId,
  type MtlsAuthenticator,
  type MtlsAuthenticatorConfig,
  type MtlsAuthenticatorDeps,
  type MtlsTlsOptionsSource,
  type MtlsTlsServerOptions,
  mtlsTlsServerOptions,
  parseSpiffeId,
  trustDomainId,
} from './mtls/index.ts';
