/**
 * Single sign-on in a real browser: headless Chromium (playwright-core, the Debian
 * chromium) against Gatehouse and the development OpenID provider on loopback. Hosts are
 * *.localhost names, which Chromium resolves to 127.0.0.1 (and where it accepts Secure and
 * __Host- cookies over http).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page, type Response } from 'playwright-core';
import { request } from 'undici';
import { CHROMIUM, CHROMIUM_ARGS, signInAtDevProvider } from './helpers/browser.ts';
import { ADMIN, APP, type SsoStack, startSsoStack } from './helpers/sso.ts';

/** Every URL of the redirect chain that ended in `response`, first to last. */
function chain(response: Response | null): string[] {
  const urls: string[] = [];
  let r = response?.request() ?? null;
  while (r) {
    urls.unshift(r.url());
    r = r.redirectedFrom();
  }
  return urls;
}

async function apiStatus(page: Page, path: string): Promise<{ status: number; body: { error?: string } }> {
  return page.evaluate(async (p) => {
    const r = await fetch(p, { headers: { accept: 'application/json' } });
    return { status: r.status, body: (await r.json().catch(() => ({}))) as { error?: string } };
  }, path);
}

describe('SSO in a browser', { skip: !existsSync(CHROMIUM) && 'chromium is not installed' }, () => {
  let stack: SsoStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    stack = await startSsoStack({ oidc: { session: { absoluteSeconds: 7200, idleSeconds: 600 } } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    context = await browser.newContext();
    page = await context.newPage();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('signs in at the provider and lands on the page it asked for', async () => {
    await page.goto(`${stack.origin(APP)}/hello?x=1`);
    assert.ok(page.url().startsWith(stack.idp.issuer), `at the provider: ${page.url()}`);
    await signInAtDevProvider(page, 'alice');
    assert.equal(page.url(), `${stack.origin(APP)}/hello?x=1`);
    const echoed = JSON.parse((await page.textContent('body')) ?? '{}') as {
      url: string;
      headers: Record<string, string>;
    };
    assert.equal(echoed.url, '/hello?x=1');
    assert.ok(echoed.headers['x-gatehouse-assertion']);
    const cookies = await context.cookies(stack.origin(APP));
    const session = cookies.find((c) => c.name === '__Host-gatehouse_session');
    assert.ok(session?.httpOnly && session.secure && session.sameSite === 'Lax' && session.path === '/');
    const visible = await page.evaluate(
      () => (globalThis as unknown as { document: { cookie: string } }).document.cookie,
    );
    assert.ok(!visible.includes('gatehouse_session'), 'HttpOnly');
    const me = await apiStatus(page, '/.gatehouse/me');
    assert.equal(me.status, 200);
  });

  it('shows the access-denied page with the reason, the request id and who is signed in', async () => {
    const response = await page.goto(`${stack.origin(ADMIN)}/settings`);
    assert.equal(response?.status(), 403);
    assert.equal(await page.textContent('h1'), 'Access denied');
    const text = (await page.textContent('main')) ?? '';
    assert.match(text, /group-unauthorized/);
    assert.ok(text.includes((await response!.headerValue('x-request-id'))!), 'request id on the page');
    assert.match(text, /Signed in as alice@example\.com/);
    assert.equal(await page.locator('button', { hasText: 'Sign out' }).count(), 1);
    assert.equal(await page.locator('script, link, img, iframe').count(), 0, 'no scripts or external assets');
  });

  it('steps up on the sensitive path and resumes the original request', async () => {
    const response = await page.goto(`${stack.origin(APP)}/sensitive/report?id=7`);
    const hops = chain(response);
    assert.ok(
      hops.some((u) => u.includes('prompt=login') && u.includes('acr_values=')),
      hops.join('\n'),
    );
    assert.match((await page.textContent('label[for=otp]')) ?? '', /required/);
    await signInAtDevProvider(page, 'alice', '123456');
    assert.equal(page.url(), `${stack.origin(APP)}/sensitive/report?id=7`);
    const me = (await page.evaluate(async () => (await fetch('/.gatehouse/me')).json())) as {
      acr: string;
      amr: string[];
    };
    assert.equal(me.acr, 'urn:gatehouse:dev:mfa');
    assert.deepEqual(me.amr, ['pwd', 'otp']);
  });

  it('a revocation while signed in refuses the very next request', async () => {
    assert.equal((await apiStatus(page, '/x')).status, 200);
    const res = await request(`${stack.adminUrl}/sessions/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'alice' }),
    });
    assert.equal(res.statusCode, 200);
    await res.body.dump();
    const next = await apiStatus(page, '/x');
    assert.equal(next.status, 401);
    assert.equal(next.body.error, 'session-revoked');
    const nav = await page.goto(`${stack.origin(APP)}/after-revoke`);
    const hops = chain(nav);
    assert.ok(
      hops[1]?.startsWith(`${stack.origin(APP)}/.gatehouse/login`),
      `redirected to sign in: ${hops.join(' -> ')}`,
    );
  });

  it('an idle session expires (injected clock): the next navigation goes back to sign in', async () => {
    await page.goto(`${stack.origin(APP)}/fresh`);
    if (page.url().startsWith(stack.idp.issuer)) await signInAtDevProvider(page, 'alice');
    assert.equal((await apiStatus(page, '/x')).status, 200);
    stack.clock.offset += 601;
    const next = await apiStatus(page, '/x');
    assert.equal(next.status, 401);
    assert.equal(next.body.error, 'session-expired');
    const nav = await page.goto(`${stack.origin(APP)}/later`);
    assert.ok(chain(nav)[1]?.startsWith(`${stack.origin(APP)}/.gatehouse/login`));
  });

  it('signs out through the provider; afterwards the provider asks for a password again', async () => {
    await page.goto(`${stack.origin(APP)}/before-logout`);
    if (page.url().startsWith(stack.idp.issuer)) await signInAtDevProvider(page, 'alice');
    // Sign out from the access-denied page's button (alice may not open the admin app).
    const denied = await page.goto(`${stack.origin(ADMIN)}/x`);
    assert.equal(denied?.status(), 403);
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign out")')]);
    assert.ok(page.url().startsWith(stack.idp.issuer), `provider end-session: ${page.url()}`);
    await Promise.all([page.waitForNavigation(), page.click('button[name=logout]')]);
    assert.equal(new URL(page.url()).pathname, '/.gatehouse/signed-out');
    assert.match((await page.textContent('h1')) ?? '', /Signed out/);
    const cookies = await context.cookies(stack.origin(ADMIN));
    assert.equal(
      cookies.find((c) => c.name === '__Host-gatehouse_session'),
      undefined,
    );
    const app = await page.goto(`${stack.origin(APP)}/after-logout`);
    assert.ok(
      chain(app)[1]?.startsWith(`${stack.origin(APP)}/.gatehouse/login`),
      `the app host lost the session too: ${chain(app).join(' -> ')} tokens=${stack.logoutTokens.length}`,
    );
    assert.ok(page.url().startsWith(stack.idp.issuer));
    assert.equal(await page.locator('#password').count(), 1, 'the provider session ended too');
  });
});
