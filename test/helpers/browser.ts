import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core (never `npx playwright install`). */
export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a headless Chromium on a machine with a closed network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Sign in on the development OpenID provider's page (users' passwords are `<user>-dev-password`). */
export async function signInAtDevProvider(page: Page, user: string, otp?: string): Promise<void> {
  await page.waitForSelector('form[action*="/interaction/"]');
  assert.match((await page.textContent('body')) ?? '', /DEVELOPMENT ONLY/);
  await page.fill('#username', user);
  await page.fill('#password', `${user}-dev-password`);
  if (otp) await page.fill('#otp', otp);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}
