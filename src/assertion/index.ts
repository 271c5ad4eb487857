export { claimFragment, claimValue } from './claims.ts';
export { KeyRing, type PreparedKeys } from './key-ring.ts';
export {
  AssertionSigner,
  type BoundRequest,
  plainClaimHeaders,
  type RouteAssertion,
  type TrimListener,
} from './signer.ts';
export {
  type AssertionAlgorithm,
  generateSigningKey,
  loadSigningKey,
  type SigningKey,
  signingKeyFrom,
  thumbprint,
} from './signing-key.ts';
