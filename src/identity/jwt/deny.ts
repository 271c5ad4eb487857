import type { Reason } from '../../model/index.ts';
import type { AuthnResult } from '../authenticator.ts';

/** A denial with the reason code and an audit-only detail (never the token or key material). */
export type Denied = Extract<AuthnResult, { status: 'denied' }>;

export function deny(reason: Reason, detail?: string): Denied {
  return Object.freeze(
    detail === undefined ? { status: 'denied', reason } : { status: 'denied', reason, detail },
  );
}
