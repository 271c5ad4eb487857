export { isSpiffePath, isTrustDomainName, parseSpiffeId, trustDomainId } from '../spiffe-id.ts';
export {
  createMtlsAuthenticator,
  type MtlsAuthenticator,
  type MtlsAuthenticatorConfig,
  type MtlsAuthenticatorDeps,
} from './authenticator.ts';
export type { BundleEvent, BundleSnapshot } from './bundle-store.ts';
export { kubernetesFromSpiffeId } from './spiffe-kubernetes.ts';
export { type SvidVerification, type VerifiedSvid, verifyX509Svid } from './svid.ts';
export {
  clientCertificateMissingReason,
  type MtlsTlsOptionsSource,
  type MtlsTlsServerOptions,
  mtlsTlsServerOptions,
} from './tls-options.ts';
