import { hash, randomBytes } from 'node:crypto';

/** A session id: 32 random bytes, base64url (43 characters). */
const ID = /^[A-Za-z0-9_-]{43}$/;

/** A fresh random token of `bytes` bytes, base64url. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A new session id and its store key. The id goes to the browser only; the store sees the key. */
export function newSessionId(): { id: string; key: string } {
  const id = randomToken(32);
  return { id, key: sessionKey(id) };
}

/**
 * The store key of a session id: the first 22 characters of its base64url SHA-256 (132
 * bits). Enough to keep keys collision-free and the id unrecoverable, in half the memory of
 * the whole digest. One-shot `crypto.hash`: this runs on every request.
 */
export function sessionKey(id: string): string {
  return hash('sha256', id, 'base64url').slice(0, 22);
}

/** Whether `value` has the shape of a store key (admin revocation by key). */
export function isSessionKey(value: string): boolean {
  return /^[A-Za-z0-9_-]{22}$/.test(value);
}

/** Whether `value` has the exact shape of a session id (checked before any lookup). */
export function isSessionId(value: string): boolean {
  return value.length === 43 && ID.test(value);
}
