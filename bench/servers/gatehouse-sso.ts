/**
 * Gatehouse with SSO sessions, for load tests: one public route and one route that needs a
 * signed-in person (group `engineering`), both to the same upstream, and `sessions`
 * pre-made sessions in the embedded store (no provider needed: tokens are valid for the
 * whole run, so no refresh happens). Prints one JSON line: { port, host, cookie }.
 * Usage: node servers/gatehouse-sso.ts '{"upstream":"http://127.0.0.1:PORT","sessions":10000}'
 */
import { join } from 'node:path';

interface Input {
  upstream: string;
  sessions?: number;
  port?: number;
}

const ROOT = join(import.meta.dirname, '..', '..');
const input = JSON.parse(process.argv[2] ?? '{}') as Input;
const HOST = 'app.bench.test';

const { loadConfigText } = await import(join(ROOT, 'src/config/index.ts'));
const { createSso } = await import(join(ROOT, 'src/sso/index.ts'));
const { seal } = await import(join(ROOT, 'src/sso/seal.ts'));
const { randomToken, sessionKey } = await import(join(ROOT, 'src/sso/session-id.ts'));
const { Gateway, createLogger } = await import(join(ROOT, 'src/server/index.ts'));
const { engineParts } = await import(join(ROOT, 'src/server/parts.ts'));

const text = `listeners: [{ name: web, port: ${input.port ?? 0} }]
admin: { port: 0 }
audit: { output: { file: /dev/null } }
identity:
  oidc: { issuer: "http://127.0.0.1:9", clientId: bench, allowInsecureIssuer: true }
routes:
  - { id: public, match: { host: ${HOST}, path: /public }, upstream: "${input.upstream}", public: true }
  - id: app
    match: { host: ${HOST}, path: / }
    upstream: "${input.upstream}"
    policy: { allow: [{ groups: { anyOf: [engineering] } }] }
  - { id: app-noassert, match: { host: ${HOST}, path: /noassert }, upstream: "${input.upstream}", policy: { allow: [{ groups: { anyOf: [engineering] } }] }, assertion: { enabled: false } }
`;
const loaded = loadConfigText(text);
if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
const sso = createSso(loaded.config, { sweepIntervalMs: 0 });
const store = sso.context.sessions.store;
const now = Math.floor(Date.now() / 1000);
let cookie = '';
for (let i = 0; i < (input.sessions ?? 10_000); i++) {
  const id = randomToken(32);
  if (i === 0) cookie = `${sso.context.settings.cookieName}=${id}`;
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
const gateway = await Gateway.start({
  configText: text,
  logger: createLogger('error'),
  parts: engineParts(),
  watch: false,
  sso,
});
process.stdout.write(`${JSON.stringify({ port: gateway.listenerPort('web'), host: HOST, cookie })}\n`);
const quit = () => process.exit(0);
process.on('disconnect', quit);
process.on('SIGTERM', quit);
