import diagnosticsChannel from 'node:diagnostics_channel';
import type { Decision, RequestInfo } from '../model/index.ts';

/**
 * Every diagnostics channel Gatehouse publishes, declared in one place (as undici does in
 * lib/core/diagnostics.js). Domain code publishes; audit and metrics subscribe. Publishing
 * to a channel nobody subscribed to costs a property check, so the hot path stays cheap.
 */

/** One per finished request: the decision record. */
export interface RequestFinishedEvent {
  readonly request: RequestInfo;
  readonly decision: Decision;
  /** The HTTP status sent to the client (or answered to the ingress in forward-auth). */
  readonly status: number;
  readonly durationMs: number;
  /** `proxy`, `forward-auth`, `ext-authz`… */
  readonly via: string;
  /** Bytes received from / sent to the client, when known. */
  readonly upstreamStatus?: number;
  /** Catalogued error code when the request failed for a reason other than policy. */
  readonly errorCode?: string;
}

export interface ConfigReloadEvent {
  readonly ok: boolean;
  readonly file?: string;
  readonly generation: number;
  readonly problems?: readonly string[];
  readonly trigger: 'start' | 'file' | 'signal' | 'api';
}

export interface UpstreamErrorEvent {
  readonly routeId: string;
  readonly requestId: string;
  readonly errorCode: string;
  readonly cause: string;
}

export interface InternalErrorEvent {
  readonly where: string;
  readonly requestId?: string;
  readonly error: unknown;
}

export interface TlsReloadEvent {
  readonly listener: string;
  readonly ok: boolean;
  readonly error?: string;
}

export interface AssertionTrimmedEvent {
  readonly audience: string;
  readonly droppedGroups: number;
  readonly droppedClaims: readonly string[];
}

/**
 * One per session life event (src/sso): sign-in, sign-out, refresh, revocation, back-channel
 * logout. Carries the subject and a short prefix of the session key (never the session id or
 * a token).
 */
export interface SessionEvent {
  readonly type: 'login' | 'logout' | 'refresh' | 'refresh-failed' | 'revoke' | 'backchannel-logout';
  readonly subject?: string;
  readonly issuer?: string;
  /** First 8 characters of the session key (SHA-256 of the id), to correlate records. */
  readonly session?: string;
  /** How many sessions a revocation ended. */
  readonly count?: number;
  /** Why (refresh failure kind, OAuth error code, revocation source). */
  readonly detail?: string;
}

export const channels = {
  requestFinished: diagnosticsChannel.channel('gatehouse:request:finished'),
  configReload: diagnosticsChannel.channel('gatehouse:config:reload'),
  upstreamError: diagnosticsChannel.channel('gatehouse:upstream:error'),
  internalError: diagnosticsChannel.channel('gatehouse:internal:error'),
  tlsReload: diagnosticsChannel.channel('gatehouse:tls:reload'),
  assertionTrimmed: diagnosticsChannel.channel('gatehouse:assertion:trimmed'),
  session: diagnosticsChannel.channel('gatehouse:session'),
} as const;

/** Publish helpers keep the event shapes typed at every call site. */
export const publish = {
  requestFinished(event: RequestFinishedEvent): void {
    if (channels.requestFinished.hasSubscribers) channels.requestFinished.publish(event);
  },
  configReload(event: ConfigReloadEvent): void {
    if (channels.configReload.hasSubscribers) channels.configReload.publish(event);
  },
  upstreamError(event: UpstreamErrorEvent): void {
    if (channels.upstreamError.hasSubscribers) channels.upstreamError.publish(event);
  },
  internalError(event: InternalErrorEvent): void {
    if (channels.internalError.hasSubscribers) channels.internalError.publish(event);
  },
  tlsReload(event: TlsReloadEvent): void {
    if (channels.tlsReload.hasSubscribers) channels.tlsReload.publish(event);
  },
  assertionTrimmed(event: AssertionTrimmedEvent): void {
    if (channels.assertionTrimmed.hasSubscribers) channels.assertionTrimmed.publish(event);
  },
  session(event: SessionEvent): void {
    if (channels.session.hasSubscribers) channels.session.publish(event);
  },
};
