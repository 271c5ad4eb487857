import { parseStrictJson } from './strict-json.ts';

/** A compact JWS split and decoded, before any signature check: nothing here is trusted yet. */
export interface DecodedJws {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: Readonly<Record<string, unknown>>;
  /** The third part, base64url; '' for an unsigned (`a.b.`) token. */
  readonly signature: string;
}

export type DecodeResult =
  | { readonly ok: true; readonly jws: DecodedJws }
  | { readonly ok: false; readonly detail: string };

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Splits a compact JWS and decodes its header and payload strictly: exactly three parts,
 * canonical unpadded base64url (no stray characters, no non-zero padding bits, so one token
 * has one spelling), well-formed UTF-8, JSON objects without duplicate member names.
 * A JWE (five parts) or an unsecured JWT with a payload that is not JSON is malformed.
 */
export function decodeCompactJws(token: string): DecodeResult {
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0 || token.indexOf('.', second + 1) >= 0) return fail('expected three dot-separated parts');
  const header = decodeJsonObject(token.slice(0, first));
  if (!header) return fail('header is not base64url-encoded JSON object without duplicate members');
  const payload = decodeJsonObject(token.slice(first + 1, second));
  if (!payload) return fail('payload is not base64url-encoded JSON object without duplicate members');
  const signature = token.slice(second + 1);
  if (!isCanonicalBase64url(signature)) return fail('signature is not canonical base64url');
  return { ok: true, jws: { header, payload, signature } };
}

function decodeJsonObject(part: string): Record<string, unknown> | undefined {
  if (part.length === 0 || !isCanonicalBase64url(part)) return undefined;
  let text: string;
  try {
    text = utf8.decode(Buffer.from(part, 'base64url'));
  } catch {
    return undefined;
  }
  const value = parseStrictJson(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Unpadded base64url whose decoding encodes back to the same text. */
export function isCanonicalBase64url(part: string): boolean {
  if (!BASE64URL.test(part) || part.length % 4 === 1) return false;
  return Buffer.from(part, 'base64url').toString('base64url') === part;
}

function fail(detail: string): DecodeResult {
  return { ok: false, detail };
}
