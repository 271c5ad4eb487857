import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServe } from './serve.ts';

/**
 * `gatehouse demo` (development only): an embedded OIDC provider with demo users, a sample
 * upstream that verifies and shows the assertion it receives, and Gatehouse in front with a
 * policy: alice (engineering) may use the app but not the admin app; bob (admins) may use
 * both; /payroll asks for a fresh, stronger sign-in (step-up).
 *
 * Ports (loopback): GATEHOUSE_DEMO_PORT 8080, GATEHOUSE_DEMO_ADMIN_PORT 9901,
 * GATEHOUSE_DEMO_UPSTREAM_PORT 9080, GATEHOUSE_DEMO_IDP_PORT 9090.
 */
export async function runDemo(out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const port = Number(process.env.GATEHOUSE_DEMO_PORT ?? 8080);
  const adminPort = Number(process.env.GATEHOUSE_DEMO_ADMIN_PORT ?? 9901);
  const upstreamPort = Number(process.env.GATEHOUSE_DEMO_UPSTREAM_PORT ?? 9080);
  const idpPort = Number(process.env.GATEHOUSE_DEMO_IDP_PORT ?? 9090);
  let demo: typeof import('../demo/index.ts');
  try {
    demo = await import('../demo/index.ts');
  } catch (e) {
    err(
      `gatehouse demo needs the development dependencies (oidc-provider): run "npm ci" without --omit=dev.\n(${(e as Error).message})`,
    );
    return 1;
  }
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-demo-'));
  const secret = randomBytes(24).toString('base64url');
  const secretFile = join(dir, 'client-secret');
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
  const hosts = ['app.localhost', 'admin.localhost'];
  const origin = (h: string) => `http://${h}:${port}`;
  const idp = await demo.startDevOidcProvider({
    port: idpPort,
    clients: [
      {
        clientId: 'gatehouse-demo',
        clientSecret: secret,
        redirectUris: hosts.map((h) => `${origin(h)}/.gatehouse/callback`),
        postLogoutRedirectUris: hosts.map((h) => `${origin(h)}/.gatehouse/signed-out`),
        backchannelLogoutUri: `http://127.0.0.1:${port}/.gatehouse/backchannel-logout`,
      },
    ],
  });
  const upstream = await demo.startSampleUpstream({
    port: upstreamPort,
    verify: {
      issuer: `http://localhost:${port}`,
      audience: 'demo-app',
      jwksUrl: `http://127.0.0.1:${adminPort}/.well-known/gatehouse/jwks.json`,
    },
  });
  const up = `http://127.0.0.1:${upstream.port}`;
  const file = join(dir, 'gatehouse.yaml');
  writeFileSync(
    file,
    `# Gatehouse demo config — DEVELOPMENT ONLY (a development identity provider with public passwords)
# Edit and save: Gatehouse reloads it. Try \`gatehouse explain -c ${file} --sub alice --groups engineering "GET http://admin.localhost:${port}/"\`
listeners:
  - { name: web, address: 127.0.0.1, port: ${port} }
admin: { address: 127.0.0.1, port: ${adminPort} }
identity:
  oidc:
    issuer: ${idp.issuer}
    clientId: gatehouse-demo
    clientSecret: { file: ${secretFile} }
    allowInsecureIssuer: true          # loopback http issuer: development only
    cookie: { secure: false }          # plain http on loopback: development only
assertion:
  issuer: http://localhost:${port}
policies:
  staff:
    allow:
      - { id: staff, groups: { anyOf: [engineering, admins] } }
routes:
  - id: app
    match: { host: app.localhost }
    upstream: ${up}
    policy: staff
    assertion: { audience: demo-app, headers: { user: X-Gatehouse-User, email: X-Gatehouse-Email, groups: X-Gatehouse-Groups } }
  - id: app-payroll                    # sensitive: fresh (5 min) and stronger (one-time code) sign-in
    match: { host: app.localhost, path: /payroll }
    upstream: ${up}
    policy:
      allow:
        - id: staff-with-mfa
          groups: { anyOf: [engineering, admins] }
          challenge: { maxAgeSeconds: 300, acr: [${demo.ACR_MFA}] }
    assertion: { audience: demo-app }
  - id: admin                          # alice is refused, bob is let in
    match: { host: admin.localhost }
    upstream: ${up}
    policy: { allow: [ { id: admins, groups: { anyOf: [admins] } } ] }
    assertion: { audience: demo-app }
audit:
  output: { file: ${join(dir, 'audit.log')} }
`,
  );
  out(`Gatehouse demo — DEVELOPMENT ONLY
  app:            ${origin('app.localhost')}/            (alice and bob)
  sensitive path: ${origin('app.localhost')}/payroll     (step-up: one-time code ${demo.DEV_OTP})
  admin app:      ${origin('admin.localhost')}/          (bob only; alice sees "access denied")
  who am I:       ${origin('app.localhost')}/.gatehouse/me
  sign out:       ${origin('app.localhost')}/.gatehouse/logout
  identity provider (development only): ${idp.issuer}
  users:          alice / alice-dev-password  (group engineering)
                  bob   / bob-dev-password    (group admins)
  health:         http://127.0.0.1:${adminPort}/readyz     metrics: http://127.0.0.1:${adminPort}/metrics
  config:         ${file}   (edit it: Gatehouse reloads on save)
  audit log:      ${join(dir, 'audit.log')}
Press Ctrl-C to stop.`);
  const code = await runServe(file, err);
  upstream.close();
  await idp.close();
  return code;
}
