/**
 * Session store micro-benchmark (src/state + src/sso), run in a fresh process with
 * `--expose-gc`. Usage:
 *   node --expose-gc micro/session-store.ts '{"sessions":100000,"durationS":2,"warmupS":1}'
 * Prints one JSON line:
 *   { sessions, heapMB, bytesPerSession,            // memory of the embedded (memory) store
 *     lookup: { rps, p50Ms, p99Ms },                // Sessions.lookup, principal cached (the hot path)
 *     lookupCold: { rps, p50Ms, p99Ms },            // Sessions.lookup with the principal rebuilt
 *     storeGet: { rps, p50Ms, p99Ms } }             // MemorySessionStore.get alone
 *
 * Sessions look like what the development provider issues (sub, email, name, three groups,
 * acr/amr, a 43-character sid and refresh token). Providers with large refresh tokens (Entra
 * ID: ~1.5 kB) cost correspondingly more per session.
 */
import { join } from 'node:path';
import { answer, runMain, timeSync } from './timing.ts';

interface Input {
  sessions?: number;
  durationS?: number;
  warmupS?: number;
}

const ROOT = join(import.meta.dirname, '..', '..');

runMain<Input>(async (input) => {
  const n = input.sessions ?? 100_000;
  const loop = { warmupMs: (input.warmupS ?? 1) * 1000, durationMs: (input.durationS ?? 2) * 1000 };
  const { MemorySessionStore } = await import(join(ROOT, 'src/state/index.ts'));
  const { seal } = await import(join(ROOT, 'src/sso/seal.ts'));
  const { randomToken, sessionKey } = await import(join(ROOT, 'src/sso/session-id.ts'));
  const { Sessions } = await import(join(ROOT, 'src/sso/sessions.ts'));
  const { ssoSettings } = await import(join(ROOT, 'src/sso/settings.ts'));
  const { ProviderClient } = await import(join(ROOT, 'src/sso/provider.ts'));
  const { loadConfigText } = await import(join(ROOT, 'src/config/index.ts'));
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');

  const now = Math.floor(Date.now() / 1000);
  // The ids (cookie values) belong to the browsers: made before measuring.
  const ids: string[] = Array.from({ length: n }, () => randomToken(32));
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const store = new MemorySessionStore({ maxSessions: n * 2 });
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    const key = sessionKey(id);
    const sub = `user-${i}`;
    const groups = ['engineering', 'employees', `team-${i % 50}`];
    // Through JSON, as records are built from a parsed ID token (flat strings).
    store.put(
      JSON.parse(
        JSON.stringify({
          key,
          issuer: 'https://idp.example.com',
          subject: sub,
          sid: randomToken(32),
          email: `${sub}@example.com`,
          groups,
          claims: {
            sub,
            iss: 'https://idp.example.com',
            email: `${sub}@example.com`,
            email_verified: true,
            name: `User ${i}`,
            preferred_username: sub,
            groups,
          },
          authTime: now,
          acr: 'urn:gatehouse:dev:pwd',
          amr: ['pwd'],
          createdAt: now,
          lastSeenAt: now,
          absoluteExpiresAt: now + 43_200,
          tokensExpiresAt: now + 3_600,
          sealed: seal(id, { refreshToken: randomToken(32) }),
          version: 1,
        }),
      ),
    );
  }
  gc();
  gc();
  const heapBytes = process.memoryUsage().heapUsed - before;

  const loaded = loadConfigText(`listeners: [{ name: web, port: 0 }]
identity: { oidc: { issuer: "http://127.0.0.1:1", clientId: bench, allowInsecureIssuer: true } }
`);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const settings = ssoSettings(loaded.config);
  const provider = new ProviderClient({
    issuer: 'http://127.0.0.1:1',
    clientId: 'bench',
    clientAuth: 'client_secret_basic',
    allowInsecure: true,
    timeoutMs: 500,
    clockSkewSeconds: 30,
  });
  const sessions = new Sessions({ store, provider, settings });
  const name = settings.cookieName;
  // A browser sends more than our cookie; parse cost is part of the lookup.
  const hot = ids.slice(0, 1024).map((id) => `_ga=GA1.1.123456789.1700000000; theme=dark; ${name}=${id}`);
  const check = sessions.lookup(hot[0]!, now);
  if (check instanceof Promise || check.status !== 'valid')
    throw new Error(`lookup failed: ${JSON.stringify(check)}`);

  const lookup = timeSync((i) => sessions.lookup(hot[i & 1023]!, now), loop);
  // Every session in turn (a stride through all n): most miss the 10k-entry principal cache.
  const allHeaders = ids.map((id) => `${name}=${id}`);
  const lookupCold = timeSync((i) => sessions.lookup(allHeaders[(i * 7919) % n]!, now), loop);
  const storeKeys = ids.slice(0, 8192).map((id) => sessionKey(id));
  const storeGet = timeSync((i) => store.get(storeKeys[i & 8191]!), loop);

  answer({
    sessions: n,
    heapMB: Math.round((heapBytes / 1048576) * 10) / 10,
    bytesPerSession: Math.round(heapBytes / n),
    lookup,
    lookupCold,
    storeGet,
  });
});
