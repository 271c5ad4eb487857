/**
 * Reads a claim by path: a top-level claim name, or names joined by dots to walk into
 * objects (`realm_access.roles`). Claim names may themselves hold dots (`kubernetes.io`), so
 * at each level the longest name that exists wins: `kubernetes.io.namespace` reads
 * `namespace` inside `kubernetes.io`. Only own members are read, never the prototype.
 */
export function readClaim(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  for (let dot = path.lastIndexOf('.'); dot > 0; dot = path.lastIndexOf('.', dot - 1)) {
    const head = path.slice(0, dot);
    if (!Object.hasOwn(claims, head)) continue;
    const inner = claims[head];
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) return undefined;
    return readClaim(inner as Record<string, unknown>, path.slice(dot + 1));
  }
  return undefined;
}
