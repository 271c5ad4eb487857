import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startGatehouse } from '../lib/gatehouse.ts';
import { httpGet } from '../lib/net.ts';
import { putBenchSessions } from '../lib/sessions.ts';
import { type Scenario, skip } from '../lib/types.ts';

/** Host of the bench route; sent as the Host header (the same as gatehouse-public's). */
const HOST = 'app.bench.test';
/** Sessions pre-made in the store, so lookups happen in a realistically sized map. */
const SESSIONS = 10_000;

/**
 * Gatehouse with the gatehouse-public route shape, protected by a policy on a group, and wrk
 * sending a session cookie (among other cookies, as browsers do). The sessions are written to
 * a SQLite session store before Gatehouse starts (no identity provider is involved: their
 * tokens outlive the run, so no refresh happens). Per request: cookie parse, SHA-256 of the
 * id, store lookup, the policy, an assertion for a user principal, and the session cookie
 * stripped from the upstream request.
 */
export const gatehouseSession: Scenario = {
  name: 'gatehouse-session',
  baseline: 'gatehouse-public',
  description: `gatehouse-public route shape with a group policy; wrk sends an SSO session cookie (${SESSIONS} sessions in the store).`,
  target: { minRatio: 0.9 },
  async run(ctx) {
    const upstream = await ctx.upstream();
    const dbPath = join(ctx.tmpDir, 'sessions.db');
    const cookie = await seedSessions(ctx.repoRoot, dbPath).catch((error: unknown) =>
      skip(`cannot seed the session store: ${(error as Error).message}`),
    );
    const gatehouse = await startGatehouse(
      ctx,
      [
        {
          id: 'bench-session',
          match: { host: HOST, path: '/' },
          upstream: upstream.url.replace(/\/$/, ''),
          policy: { allow: [{ id: 'engineering', groups: { anyOf: ['engineering'] } }] },
        },
      ],
      {
        extra: {
          identity: {
            oidc: {
              issuer: 'http://127.0.0.1:9',
              clientId: 'bench',
              allowInsecureIssuer: true,
              session: { store: { sqlite: { path: dbPath } }, absoluteSeconds: 86_400, idleSeconds: 86_400 },
            },
          },
        },
      },
    );
    const url = `${gatehouse.baseUrl}/`;
    const anonymous = await httpGet(url, {
      host: HOST,
      headers: { accept: 'application/json' },
      timeoutMs: 5000,
    });
    if (anonymous.status !== 401) skip(`a request without a session answered ${anonymous.status}, not 401`);
    const headers = { cookie: `_ga=GA1.1.123456789.1700000000; theme=dark; ${cookie}` };
    const signedIn = await httpGet(url, { host: HOST, headers, timeoutMs: 5000 });
    if (signedIn.status !== 200)
      skip(`the session cookie answered ${signedIn.status} (is SSO wired into serve?)`);
    ctx.log('  policy enforced: no session 401, session 200');
    return ctx.measureHttp({ url, host: HOST, headers });
  },
};

/** Writes SESSIONS sessions (group engineering) to a SQLite store; returns one's Cookie pair. */
async function seedSessions(repoRoot: string, path: string): Promise<string> {
  const { SqliteSessionStore } = await import(pathToFileURL(join(repoRoot, 'src/state/index.ts')).href);
  const store = new SqliteSessionStore({ path });
  const first = await putBenchSessions(repoRoot, store, SESSIONS);
  store.close();
  // Plain http listener: the bench config keeps secure cookies (the default), so the name has
  // the __Host- prefix; the value is what matters.
  return `__Host-gatehouse_session=${first}`;
}
