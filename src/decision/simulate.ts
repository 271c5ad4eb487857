import type { Authenticator } from '../identity/authenticator.ts';
import type { Principal, RequestInfo } from '../model/index.ts';
import { decide, type Verdict } from './decide.ts';
import type { Engine } from './engine.ts';

/**
 * Decide a request for a given principal, without authenticating: the same `decide()` path
 * (route, mTLS requirement, policy, audit mode) with the authenticators replaced by one that
 * answers with `principal`. Used by `gatehouse explain`, `policy test` and `policy replay`,
 * so a simulation cannot drift from what the proxy does.
 */
export function simulate(
  engine: Engine,
  principal: Principal | undefined,
  request: RequestInfo,
  nowSeconds: number,
): Verdict | Promise<Verdict> {
  const fixed: Authenticator = {
    name: 'simulated',
    authenticate: () => (principal ? { status: 'authenticated', principal } : { status: 'not-mine' }),
  };
  return decide({ ...engine, authenticators: [fixed] }, request, nowSeconds);
}

/** `simulate` for callers that know no authenticator is asynchronous (the fixed one never is). */
export function simulateSync(
  engine: Engine,
  principal: Principal | undefined,
  request: RequestInfo,
  nowSeconds: number,
): Verdict {
  const v = simulate(engine, principal, request, nowSeconds);
  if (v instanceof Promise) throw new Error('simulation unexpectedly asynchronous');
  return v;
}
