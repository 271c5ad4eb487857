export type { ChallengeRequirement, Decision, Outcome } from './decision.ts';
export {
  type AuthMethod,
  emailVerifiedAllows,
  type KubernetesIdentity,
  type Principal,
  type SpiffeId,
} from './principal.ts';
export { isReason, REASONS, type Reason } from './reasons.ts';
export type { RequestInfo } from './request.ts';
