import type { RequestInfo } from '../model/index.ts';
import { isIdentityHeader, isRewriteHeader } from '../proxy/index.ts';
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
