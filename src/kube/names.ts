/**
 * Kubernetes name and label syntax (apimachinery `validation`): what `kubectl apply` would
 * refuse is refused here first, with the rule that was broken.
 */
import { createHash } from 'node:crypto';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** A DNS-1123 label: namespace names, most object names (<= 63, lower-case alnum and `-`). */
export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

/** A DNS-1035 label: Service names (a DNS-1123 label that starts with a letter). */
export function isDns1035Label(s: string): boolean {
  return s.length <= 63 && DNS1035_LABEL.test(s);
}

/** A label key: optional DNS-1123 subdomain prefix (<= 253) and `/`, then a name (<= 63). */
export function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}

/** A label value: empty, or <= 63 alnum with `-`, `_`, `.` inside. */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/** A named container port (IANA_SVC_NAME: <= 15, lower-case alnum and `-`, one letter at least). */
export function isPortName(s: string): boolean {
  return s.length <= 15 && IANA_SVC_NAME.test(s) && !s.includes('--');
}

/**
 * `<prefix><name>` as a DNS-1123 label of at most 63 characters. Too long, the name is cut
 * and a short hash of the whole name keeps it unique and stable.
 */
export function boundedName(prefix: string, name: string): string {
  const full = `${prefix}${name}`;
  if (full.length <= 63) return full;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  const room = 63 - prefix.length - hash.length - 1;
  const cut = name.slice(0, room).replace(/-+$/, '');
  return `${prefix}${cut}-${hash}`;
}
