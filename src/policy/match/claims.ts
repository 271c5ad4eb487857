/**
 * Claim paths: `employment.type` walks nested objects; a list form (`["https://x.io/roles"]`)
 * names keys that hold dots. Only own properties are read, so `__proto__` or `constructor`
 * never reach the prototype chain.
 */

/** Split a configured claim path into keys. */
export function claimKeys(path: string | readonly string[]): readonly string[] {
  return typeof path === 'string' ? path.split('.') : path;
}

/** The value at `keys` inside `claims`, or undefined when any step is missing or not an object. */
export function resolveClaim(claims: Readonly<Record<string, unknown>>, keys: readonly string[]): unknown {
  let value: unknown = claims;
  for (const key of keys) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    if (!Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Apply `test` to a claim value, or to each element when the claim is an array (any matches). */
export function someClaimValue(value: unknown, test: (v: unknown) => boolean): boolean {
  if (Array.isArray(value)) {
    for (const v of value) if (test(v)) return true;
    return false;
  }
  return value !== undefined && test(value);
}
