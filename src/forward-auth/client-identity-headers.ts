import type { RequestInfo } from '../model/index.ts';
import { isGatehouseHeader, isIdentityHeader, isRewriteHeader } from '../proxy/index.ts';
import type { ForwardAuthRuntime } from './runtime.ts';

/**
 * Identity headers the client sent that the answer does not overwrite: the upstream must not
 * see them (ext_authz `headers_to_remove`, Envoy HTTP `x-envoy-auth-headers-to-remove`).
 * The same lists the proxy strips (src/proxy/hygiene.ts: identity headers, and path / method
 * override headers) plus the configured names.
 */
export function clientIdentityHeaders(
  info: RequestInfo,
  rt: ForwardAuthRuntime | undefined,
  answered: readonly string[],
): string[] {
  const set = new Set<string>();
  for (let i = 0; i < answered.length; i += 2) set.add(answered[i]!);
  const out: string[] = [];
  for (const name of Object.keys(info.headers)) {
    if (!set.has(name) && (isIdentityHeader(name, rt?.identityHeaders) || isRewriteHeader(name)))
      out.push(name);
  }
  return out;
}

/**
 * Headers the client sent in Gatehouse's own namespace (`X-Gatehouse-*`, `_` read as `-`), or
 * spelling a configured identity header differently (`X_Gatehouse_User`), that the peer is not
 * configured to copy. nginx, Traefik and Caddy copy the configured identity headers over the
 * client's (or drop the client's) but pass every other header on: these would reach the
 * upstream as sent, and CGI-style upstreams read `X_Gatehouse_User` as `X-Gatehouse-User`.
 */
export function unremovableIdentityHeaders(
  info: RequestInfo,
  rt: ForwardAuthRuntime | undefined,
  answered: readonly string[],
): string[] {
  const out: string[] = [];
  for (const name of Object.keys(info.headers)) {
    // every identity header Gatehouse may answer with is one the peer is configured to copy:
    // it overwrites the client's or drops it (docs/forward-auth.md); the answer's own names too
    if (rt?.identityHeaders.has(name) || answers(answered, name)) continue;
    if (isGatehouseHeader(name) || rt?.identityHeaders.has(name.replaceAll('_', '-'))) out.push(name);
  }
  return out;
}

/** Whether `[name, value, …]` answers `lowerName` (a few entries: a scan, no set per check). */
function answers(answered: readonly string[], lowerName: string): boolean {
  for (let i = 0; i < answered.length; i += 2) if (answered[i]!.toLowerCase() === lowerName) return true;
  return false;
}
