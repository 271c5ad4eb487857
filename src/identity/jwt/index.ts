export {
  createJwtAuthenticator,
  JwtAuthenticator,
  type JwtAuthenticatorDeps,
  type JwtAuthenticatorStats,
} from './jwt-authenticator.ts';
export type { ClaimExpectation, JwtIssuerSettings } from './settings.ts';
export type { SignatureVerifier } from './signature.ts';
