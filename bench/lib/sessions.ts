import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What the bench needs of a Gatehouse session store. */
interface SessionSink {
  put(record: Record<string, unknown>): void;
}

/**
 * Put `count` signed-in users in `store` (`user-<i>`, groups engineering and employees, a
 * day left on their session and tokens), made with the repository's own seal and session-id
 * code. Returns the first session's id (the cookie value a client presents).
 */
export async function putBenchSessions(repoRoot: string, store: SessionSink, count: number): Promise<string> {
  const load = (p: string) => import(pathToFileURL(join(repoRoot, p)).href);
  const { seal } = await load('src/sso/seal.ts');
  const { randomToken, sessionKey } = await load('src/sso/session-id.ts');
  const now = Math.floor(Date.now() / 1000);
  let first = '';
  for (let i = 0; i < count; i++) {
    const id = randomToken(32) as string;
    if (i === 0) first = id;
    const sub = `user-${i}`;
    store.put({
      key: sessionKey(id),
      issuer: 'http://127.0.0.1:9',
      subject: sub,
      sid: randomToken(32),
      email: `${sub}@example.com`,
      groups: ['engineering', 'employees'],
      claims: { sub, email: `${sub}@example.com`, name: `User ${i}`, groups: ['engineering', 'employees'] },
      authTime: now,
      acr: 'urn:pwd',
      amr: ['pwd'],
      createdAt: now,
      lastSeenAt: now,
      absoluteExpiresAt: now + 86_400,
      tokensExpiresAt: now + 86_400,
      sealed: seal(id, { refreshToken: randomToken(32) }),
      version: 1,
    });
  }
  return first;
}
