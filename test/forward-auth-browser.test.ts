/**
 * The browser sign-in round trip behind a real nginx auth_request: a real headless Chromium
 * asks nginx for a protected page, nginx asks Gatehouse, Gatehouse says 401 + sign-in
 * location, the browser signs in at the (development) OpenID provider through Gatehouse's
 * /.gatehouse/ endpoints (proxied by nginx), and lands back on the original URL — which the
 * app now receives with Gatehouse's signed assertion.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { type DevProvider, startDevOidcProvider } from '../src/demo/index.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './helpers/browser.ts';
import { binary, freePort, type Peer, peerDir, startPeer } from './helpers/forward-auth.ts';
import { AUTH_CHECK_LOCATION, nginxPrologue } from './helpers/nginx-forward-auth.ts';
import { type RunningGatehouse, startGatehouse } from './helpers/servers.ts';

const NGINX = binary('/usr/sbin/nginx', '/usr/bin/nginx');

describe('browser sign-in round trip through nginx auth_request', {
  skip: (!NGINX && 'nginx is not installed') || (!existsSync(CHROMIUM) && 'chromium is not installed'),
  timeout: 90_000,
}, () => {
  let idp: DevProvider;
  let gh: RunningGatehouse;
  let nginx: Peer;
  let app: http.Server;
  let browser: Browser;
  let port: number;
  const seen: http.IncomingHttpHeaders[] = [];

  before(async () => {
    port = await freePort();
    const dir = peerDir('gh-fa-browser-');
    const secretFile = join(dir, 'client-secret');
    writeFileSync(secretFile, 'fa-browser-secret-0123456789\n', { mode: 0o600 });
    idp = await startDevOidcProvider({
      clients: [
        {
          clientId: 'fa-browser',
          clientSecret: 'fa-browser-secret-0123456789',
          redirectUris: [`http://app.localhost:${port}/.gatehouse/callback`],
          postLogoutRedirectUris: [`http://app.localhost:${port}/.gatehouse/signed-out`],
        },
      ],
    });
    app = http.createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`app page ${req.url}`);
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    gh = await startGatehouse({
      forwardAuth: { trustedProxies: ['127.0.0.1/32'] },
      proxy: { trustedProxies: ['127.0.0.1/32'] },
      identity: {
        oidc: {
          issuer: idp.issuer,
          clientId: 'fa-browser',
          clientSecret: { file: secretFile },
          allowInsecureIssuer: true,
          cookie: { secure: false },
        },
      },
      routes: [
        {
          id: 'app',
          match: { host: 'app.localhost' },
          policy: { allow: [{ id: 'engineers', groups: { anyOf: ['engineering'] } }] },
          assertion: { audience: 'app' },
        },
      ],
    });
    mkdirSync(join(dir, 'nginx'), { recursive: true });
    const d = join(dir, 'nginx');
    const conf = join(d, 'nginx.conf');
    writeFileSync(
      conf,
      `${nginxPrologue(d)}  upstream gatehouse { server 127.0.0.1:${gh.port}; }
  upstream app { server 127.0.0.1:${(app.address() as AddressInfo).port}; }
  server {
    listen 127.0.0.1:${port};
    # Gatehouse's own endpoints (sign-in, callback, sign-out) on the app's host
    location /.gatehouse/ {
      proxy_pass http://gatehouse;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-For $remote_addr;
    }
    location / {
      auth_request /.gatehouse-check;
      auth_request_set $gatehouse_assertion $upstream_http_x_gatehouse_assertion;
      auth_request_set $gatehouse_signin $upstream_http_location;
      proxy_set_header X-Gatehouse-Assertion $gatehouse_assertion;
      proxy_set_header Host $http_host;
      error_page 401 = @signin;
      proxy_pass http://app;
    }
${AUTH_CHECK_LOCATION}    location @signin {
      if ($gatehouse_signin) { return 302 $gatehouse_signin; }
      return 401;
    }
  }
}
`,
    );
    nginx = await startPeer({
      command: NGINX!,
      args: ['-p', d, '-c', conf],
      port,
      dir,
      logFiles: [join(d, 'error.log')],
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await nginx?.stop();
    await gh?.close();
    app?.close();
    await idp?.close();
  });

  it('signs in through Gatehouse and lands back on the original URL with the assertion', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`http://app.localhost:${port}/reports/q3?year=2026`);
    assert.ok(page.url().startsWith(idp.issuer), `sent to the provider, at ${page.url()}\n${nginx.logs()}`);
    await page.waitForSelector('form[action*="/interaction/"]');
    await page.fill('#username', 'alice');
    await page.fill('#password', 'alice-dev-password');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    assert.equal(page.url(), `http://app.localhost:${port}/reports/q3?year=2026`);
    assert.equal(await page.textContent('body'), 'app page /reports/q3?year=2026');
    const assertion = String(seen.at(-1)?.['x-gatehouse-assertion'] ?? '');
    const claims = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8'));
    assert.equal(claims.auth_method, 'session');
    assert.equal(claims.email, 'alice@example.com');
    assert.equal(claims.aud, 'app');
  });
});
