import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Provider tokens at rest, encrypted with a key derived from the session id (HKDF-SHA256,
 * AES-256-GCM). The store only knows the id's hash, so a dump of the store (memory, SQLite
 * file, Redis) yields neither a usable cookie nor a usable refresh token: only a request
 * carrying the cookie can open its own tokens.
 */

export interface SessionTokens {
  readonly refreshToken?: string | undefined;
  /** Kept for `id_token_hint` at sign-out. */
  readonly idToken?: string | undefined;
  /** Kept only when userinfo is read on refresh. */
  readonly accessToken?: string | undefined;
}

function keyFor(id: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', id, 'gatehouse-session', purpose, 32));
}

/**
 * The plaintext: the three tokens joined by a separator no token contains (tokens are
 * printable ASCII), so a session costs a few bytes more than its tokens, not a JSON wrapper.
 */
const SEP = '\n';

/** Encrypt `tokens` for the session `id`; returns base64url(iv | tag | ciphertext). */
export function seal(id: string, tokens: SessionTokens): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(id, 'tokens'), iv);
  const plain = [tokens.refreshToken ?? '', tokens.idToken ?? '', tokens.accessToken ?? ''].join(SEP);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Decrypt tokens sealed for `id`; undefined when the blob is empty, foreign or tampered with. */
export function unseal(id: string, sealed: string): SessionTokens | undefined {
  if (!sealed) return undefined;
  try {
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length < 28) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', keyFor(id, 'tokens'), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    const [refreshToken = '', idToken = '', accessToken = ''] = text.split(SEP);
    return {
      ...(refreshToken ? { refreshToken } : {}),
      ...(idToken ? { idToken } : {}),
      ...(accessToken ? { accessToken } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * The sign-out form token of a session: derived from the session id, so it needs no storage,
 * differs per session, and a page of another site cannot know it (CSRF).
 */
export function logoutToken(id: string): string {
  return keyFor(id, 'logout-csrf').subarray(0, 18).toString('base64url');
}
