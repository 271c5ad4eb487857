import { createHash } from 'node:crypto';
import { MemoryReplayStore } from '../state/index.ts';
import { PendingStore } from './pending.ts';
import type { ProviderClient } from './provider.ts';
import type { Sessions } from './sessions.ts';
import type { SsoSettings } from './settings.ts';

/** What a step-up sign-in must achieve (from the policy's challenge). */
export interface StepUp {
  readonly maxAge?: number;
  readonly acr?: readonly string[];
  readonly amr?: readonly string[];
}

/** A sign-in in progress at the provider, keyed by `state`. */
export interface PendingLogin {
  /** SHA-256 of the browser-binding cookie: the callback must come from the same browser. */
  readonly binding: string;
  readonly nonce: string;
  readonly verifier: string;
  readonly redirectUri: string;
  /** Where to go afterwards (absolute, already checked). */
  readonly rd: string;
  /** Set when the sign-in was asked for by another host (hand-off after the callback). */
  readonly handoff?: { readonly origin: string; readonly host: string; readonly state: string };
  readonly stepUp?: StepUp;
}

/** A hand-off asked for by a host, waiting for the auth host's answer; keyed by its state. */
export interface PendingHandoff {
  readonly binding: string;
  readonly host: string;
  readonly rd: string;
}

/** A one-time hand-off code minted by the auth host. */
export interface HandoffCode {
  readonly sessionId: string;
  readonly host: string;
  readonly state: string;
}

/** Shared state of the SSO endpoints. */
export interface SsoContext {
  readonly settings: SsoSettings;
  readonly sessions: Sessions;
  readonly provider: ProviderClient;
  readonly nowSeconds: () => number;
  readonly logins: PendingStore<PendingLogin>;
  readonly handoffs: PendingStore<PendingHandoff>;
  readonly handoffCodes: PendingStore<HandoffCode>;
  /** Sign-out round trips through the provider: state -> where to go afterwards. */
  readonly logouts: PendingStore<string>;
  /** `jti` of accepted back-channel logout tokens. */
  readonly logoutReplay: MemoryReplayStore;
}

export function newPendingStores() {
  return {
    logins: new PendingStore<PendingLogin>(),
    handoffs: new PendingStore<PendingHandoff>(),
    handoffCodes: new PendingStore<HandoffCode>(),
    logouts: new PendingStore<string>(),
    logoutReplay: new MemoryReplayStore(),
  };
}

/** Hash of a browser-binding cookie value (what pending entries keep). */
export function bindingHash(value: string): string {
  return createHash('sha256').update(`binding:${value}`).digest('base64url');
}

/** Lifetime of a hand-off code, in seconds. */
export const HANDOFF_CODE_SECONDS = 60;
