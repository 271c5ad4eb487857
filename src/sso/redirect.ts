/**
 * Where a browser may be sent after sign-in or sign-out (`rd`): a path on the current host,
 * or an absolute http(s) URL whose host is allowed. Everything else is refused, including
 * the classic open-redirect forms and their encoded variants: `//evil`, `/\evil`,
 * `https:evil`, `javascript:`, tab and newline tricks, `https://good@evil`, `%2F%2Fevil`,
 * `/%5Cevil`. Refusing is always safe: the caller falls back to `/` on the current host.
 */

export interface RedirectPolicy {
  /** Allowed host names, lower-case, exact. */
  readonly exact: ReadonlySet<string>;
  /** Allowed sub-domain suffixes from `*.example.com` patterns, e.g. `.example.com`. */
  readonly suffixes: readonly string[];
  /** Whether plain http targets are allowed (only when Gatehouse itself serves plain http). */
  readonly allowHttp: boolean;
}

/** Build a policy from host patterns (`app.example.com`, `*.example.com`). `*` is ignored. */
export function redirectPolicy(hosts: readonly string[], allowHttp: boolean): RedirectPolicy {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const raw of hosts) {
    const h = raw.toLowerCase().replace(/\.$/, '');
    if (h === '*' || h === '') continue;
    if (h.startsWith('*.')) suffixes.push(h.slice(1));
    else exact.add(h);
  }
  return { exact, suffixes, allowHttp };
}

/** Whether `host` (lower-case, no port) is allowed by `policy`. */
export function hostAllowed(policy: RedirectPolicy, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (policy.exact.has(h)) return true;
  return policy.suffixes.some((s) => h.endsWith(s) && h.length > s.length);
}

const MAX_LENGTH = 4096;
// Controls, space, DEL and backslash: never in a redirect target (browsers strip or reinterpret them).
const FORBIDDEN_RAW = /[\u0000-\u0020\u007f\\]/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

function decodeOnce(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** A decoded form that would change meaning if a browser or a later hop decoded it. */
function dangerousDecoded(decoded: string): boolean {
  const pathEnd = decoded.search(/[?#]/);
  const path = pathEnd === -1 ? decoded : decoded.slice(0, pathEnd);
  return (
    /^[/\\]{2}/.test(decoded) ||
    decoded.startsWith('\\') ||
    /[\u0000-\u001f\u007f\\]/.test(path) ||
    (SCHEME.test(decoded) && !/^https?:\/\//i.test(decoded))
  );
}

/**
 * The absolute URL to redirect to, or undefined when `target` is missing or refused.
 * `origin` is the current request's origin (`https://app.example.com[:port]`), used for
 * relative paths.
 */
export function safeRedirect(target: unknown, origin: string, policy: RedirectPolicy): string | undefined {
  if (typeof target !== 'string' || target.length === 0 || target.length > MAX_LENGTH) return undefined;
  if (FORBIDDEN_RAW.test(target)) return undefined;
  // Look through up to three layers of percent-encoding for a form that means something else.
  let layer = target;
  for (let i = 0; i < 3; i++) {
    const next = decodeOnce(layer);
    if (next === undefined) return undefined;
    if (next === layer) break;
    if (dangerousDecoded(next)) return undefined;
    layer = next;
  }

  if (target.startsWith('/')) {
    if (target.startsWith('//')) return undefined;
    let url: URL;
    try {
      url = new URL(target, origin);
    } catch {
      return undefined;
    }
    return url.origin === new URL(origin).origin ? url.href : undefined;
  }

  if (!/^https?:\/\/[^/]/i.test(target)) return undefined; // https:evil, javascript:, relative paths
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  if (!hostAllowed(policy, url.hostname)) return undefined;
  return url.href;
}
