/**
 * Segment-boundary prefix matching, shared by the route table and policy path criteria so
 * that "route /admin" and "deny /admin" cover the same requests.
 */

/**
 * The canonical key of a prefix: trailing slashes dropped (`/admin/` is `/admin`, as for a
 * Kubernetes Ingress `Prefix` path), `/` stays `/`.
 */
export function normalisePrefix(prefix: string): string {
  let end = prefix.length;
  while (end > 0 && prefix.charCodeAt(end - 1) === 0x2f) end--;
  return end === 0 ? '/' : prefix.slice(0, end);
}

/**
 * Whether `path` lies under `prefix` on a segment boundary: `/admin` matches `/admin`,
 * `/admin/` and `/admin/x` but not `/administrator`; `/` matches every path. A trailing
 * slash on the prefix is ignored. A prefix that does not start with `/` matches nothing
 * (config validation refuses such prefixes before they get here).
 *
 * Both arguments are compared as given: pass the canonical path from `normaliseTarget`.
 */
export function pathHasPrefix(path: string, prefix: string): boolean {
  if (prefix.charCodeAt(0) !== 0x2f || path.charCodeAt(0) !== 0x2f) return false;
  const p = normalisePrefix(prefix);
  if (p === '/') return true;
  return path.startsWith(p) && (path.length === p.length || path.charCodeAt(p.length) === 0x2f);
}
