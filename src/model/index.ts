export type { ChallengeRequirement, Decision, Outcome } from './decision.ts';
export type { AuthMethod, KubernetesIdentity, Principal, SpiffeId } from './principal.ts';
export { isReason, REASONS, type Reason } from './reasons.ts';
export type { RequestInfo } from './request.ts';
