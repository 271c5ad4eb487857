import type { RouteAssertion } from '../assertion/index.ts';
import type { RouteConfig, UpstreamConfig } from '../config/index.ts';
import type { Decision, Principal, RequestInfo } from '../model/index.ts';

/** What a compiled policy answers; implemented by src/policy. */
export interface RoutePolicy {
  evaluate(input: {
    principal?: Principal;
    request: RequestInfo;
    nowSeconds: number;
    routeId: string;
  }): Pick<Decision, 'outcome' | 'reasons' | 'ruleId' | 'challenge'>;
  /** The same evaluation, recording each rule and criterion (for `gatehouse explain`). */
  explain?(input: {
    principal?: Principal;
    request: RequestInfo;
    nowSeconds: number;
    routeId: string;
  }): unknown;
}

/** A route as the data plane uses it: config resolved, defaults applied, policy compiled. */
export interface CompiledRoute {
  readonly id: string;
  /** Position in `routes`, for pointers in messages. */
  readonly index: number;
  readonly public: boolean;
  readonly mode: 'enforce' | 'audit';
  readonly policy?: RoutePolicy;
  readonly upstream?: UpstreamConfig;
  readonly maxBodyBytes: number;
  readonly timeouts: Required<NonNullable<UpstreamConfig['timeouts']>>;
  readonly forwardAuthorization: boolean;
  /** Only mTLS-authenticated callers may pass. */
  readonly requireMtls: boolean;
  /** Listener names this route is served on; undefined = all. */
  readonly listeners?: ReadonlySet<string>;
  /** What the upstream is told: assertion audience, claims, size budget, plain headers. */
  readonly assertion: RouteAssertion;
  readonly config: RouteConfig;
}
