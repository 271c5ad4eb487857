import type { Described, Failure } from './description.ts';
import type { HeaderView } from './header-view.ts';

export type AdapterName = 'nginx' | 'traefik' | 'caddy' | 'envoy-http';

/** The original request as a peer described it: raw, normalised later by the proxy's rules. */
export interface OriginalRequest {
  readonly method: string;
  /** `http` / `https`; undefined when the peer did not say (the listener's scheme is used). */
  readonly scheme?: string;
  /** `host[:port]` as the client addressed it. */
  readonly authority: string;
  /** Origin-form target (path and query), as the client sent it. */
  readonly target: string;
}

/** What an adapter may read to rebuild the original request. */
export interface RebuildContext {
  readonly headers: HeaderView;
  /** Every description the headers carry, already checked to agree (description.ts). */
  readonly described: Described;
  /** The forward-auth request's own method, target and Host: Envoy's HTTP service carries the original in them. */
  readonly method: string;
  readonly url: string;
  readonly host: string | undefined;
  /** Envoy ext_authz HTTP `path_prefix` in front of the original path. */
  readonly envoyPathPrefix: string;
}

export type Rebuilt = { readonly ok: true; readonly original: OriginalRequest } | Failure;

/**
 * One ingress peer's forward-auth dialect. Adapters are registered in adapters/registry.ts;
 * the shared conformance suite (adapters/adapters.conformance.test.ts) runs against each.
 */
export interface ForwardAuthAdapter {
  readonly name: AdapterName;
  /**
   * How a browser that must sign in is answered. `401`: the peer only passes 401/403 on and
   * redirects itself (nginx `auth_request` + `error_page`, ingress-nginx `auth-signin`).
   * `302`: the peer hands the auth answer to the browser (Traefik, Caddy, Envoy).
   */
  readonly browserSignIn: 401 | 302;
  /** Whether these headers are this peer's (auto-detection at `/.gatehouse/auth`). */
  claims(headers: HeaderView): boolean;
  /** Rebuild method, scheme, host and target, or say what is missing or contradictory. */
  rebuild(context: RebuildContext): Rebuilt;
}
