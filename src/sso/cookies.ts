/**
 * Cookie parsing and Set-Cookie serialisation, strict enough for a credential: the header
 * may be absent, repeated, huge or hostile; the answer is "absent", "one value" or
 * "ambiguous" (two different values under one name), never an exception.
 */

/** Longest Cookie header considered (bytes); longer headers are not parsed. */
const MAX_COOKIE_HEADER = 16 * 1024;

export type CookieLookup =
  | { readonly status: 'absent' }
  | { readonly status: 'one'; readonly value: string }
  | { readonly status: 'ambiguous' };

const ABSENT: CookieLookup = Object.freeze({ status: 'absent' });
const AMBIGUOUS: CookieLookup = Object.freeze({ status: 'ambiguous' });

/** Find cookie `name` in a Cookie header value (string or, from odd clients, an array). */
export function readCookie(header: unknown, name: string): CookieLookup {
  let text: string;
  if (typeof header === 'string') text = header;
  else if (Array.isArray(header) && header.every((h) => typeof h === 'string')) text = header.join('; ');
  else return ABSENT;
  if (text.length > MAX_COOKIE_HEADER) return text.includes(`${name}=`) ? AMBIGUOUS : ABSENT;
  let found: string | undefined;
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf(';', at);
    if (end === -1) end = text.length;
    const eq = text.indexOf('=', at);
    if (eq !== -1 && eq < end && text.slice(at, eq).trim() === name) {
      let value = text.slice(eq + 1, end).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      if (found !== undefined && found !== value) return AMBIGUOUS;
      found = value;
    }
    at = end + 1;
  }
  return found === undefined ? ABSENT : { status: 'one', value: found };
}

export interface CookieOptions {
  readonly maxAgeSeconds?: number;
  readonly domain?: string | undefined;
  readonly secure: boolean;
  readonly sameSite: 'lax' | 'strict' | 'none';
  readonly path?: string;
}

const SAME_SITE = { lax: 'Lax', strict: 'Strict', none: 'None' } as const;

/** A Set-Cookie value. Always HttpOnly. `maxAgeSeconds: 0` deletes the cookie. */
export function serializeCookie(name: string, value: string, o: CookieOptions): string {
  let out = `${name}=${value}; Path=${o.path ?? '/'}; HttpOnly; SameSite=${SAME_SITE[o.sameSite]}`;
  if (o.secure) out += '; Secure';
  if (o.domain) out += `; Domain=${o.domain}`;
  if (o.maxAgeSeconds !== undefined) out += `; Max-Age=${Math.max(0, Math.floor(o.maxAgeSeconds))}`;
  return out;
}

/** The cookie name with the strongest prefix the options allow (RFC 6265bis cookie prefixes). */
export function prefixedName(name: string, secure: boolean, domain: string | undefined): string {
  if (!secure) return name;
  return domain ? `__Secure-${name}` : `__Host-${name}`;
}

/**
 * A Cookie header without the cookies in `names` (Gatehouse's own, which upstreams must
 * never see: a session id in an upstream's hands or logs is a stolen session). Undefined
 * when nothing is left.
 */
export function withoutCookies(header: string, names: ReadonlySet<string>): string | undefined {
  if (header.length > MAX_COOKIE_HEADER * 4) return undefined;
  const kept: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim();
    if (name === '' && eq === -1) continue;
    if (!names.has(name)) kept.push(part.trim());
  }
  return kept.length > 0 ? kept.join('; ') : undefined;
}

/**
 * Whether a `Set-Cookie` line from an upstream would set or clear one of `names` (Gatehouse's
 * own cookies: session fixation / cookie tossing). The name is read as browsers read it
 * (surrounding spaces trimmed); a nameless cookie (`=name=value`, or a pair without `=`) is
 * stored under the empty name and sent back as `name=value`, so it counts too.
 */
export function setsCookieOf(line: string, names: ReadonlySet<string>): boolean {
  const semi = line.indexOf(';');
  const pair = semi === -1 ? line : line.slice(0, semi);
  const eq = pair.indexOf('=');
  const name = eq === -1 ? '' : pair.slice(0, eq).trim();
  if (name !== '') return names.has(name);
  const value = (eq === -1 ? pair : pair.slice(eq + 1)).trim();
  for (const n of names) if (value === n || value.startsWith(`${n}=`)) return true;
  return false;
}
