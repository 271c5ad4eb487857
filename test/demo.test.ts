/**
 * The README's first command: `gatehouse demo`, driven end to end in headless Chromium —
 * sign in as alice, see the verified identity in the sample upstream, be refused by the admin
 * app with a readable page, step up on /payroll; bob gets into the admin app.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, signInAtDevProvider } from './helpers/browser.ts';

const root = join(import.meta.dirname, '..');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('gatehouse demo in a browser', {
  skip: !existsSync(CHROMIUM) && 'chromium is not installed',
  timeout: 120_000,
}, () => {
  let child: ChildProcess;
  let browser: Browser;
  let port: number;
  let output = '';

  before(async () => {
    port = await freePort();
    const env = {
      ...process.env,
      GATEHOUSE_DEMO_PORT: String(port),
      GATEHOUSE_DEMO_ADMIN_PORT: String(await freePort()),
      GATEHOUSE_DEMO_UPSTREAM_PORT: String(await freePort()),
      GATEHOUSE_DEMO_IDP_PORT: String(await freePort()),
    };
    child = spawn(join(root, 'node_modules/.bin/node'), [join(root, 'src/cli/main.ts'), 'demo'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (c) => {
      output += c;
    });
    child.stderr?.on('data', (c) => {
      output += c;
    });
    const deadline = Date.now() + 30_000;
    while (!output.includes('gatehouse started')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`demo did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('prints the URLs and the demo users, marked development only', () => {
    assert.match(output, /DEVELOPMENT ONLY/);
    assert.match(output, new RegExp(`http://app\\.localhost:${port}/`));
    assert.match(output, /alice \/ alice-dev-password/);
    assert.match(output, /bob\s+\/ bob-dev-password/);
  });

  it('alice signs in, reaches the app, and the app verified her identity', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`http://app.localhost:${port}/welcome`);
    await signInAtDevProvider(page, 'alice');
    assert.equal(page.url(), `http://app.localhost:${port}/welcome`);
    const text = (await page.textContent('body')) ?? '';
    assert.match(text, /Verified assertion: alice/);
    assert.match(text, /groups engineering/);

    await page.goto(`http://admin.localhost:${port}/`);
    if (page.url().includes('/interaction/')) await signInAtDevProvider(page, 'alice');
    const denied = (await page.textContent('body')) ?? '';
    assert.match(denied, /denied/i);
    assert.match(denied, /group-unauthorized|no-rule-matched/);
    assert.match(denied, /alice/);
    assert.doesNotMatch(denied, /eyJ[A-Za-z0-9_-]{10,}/, 'no token on the page');

    await page.goto(`http://app.localhost:${port}/payroll`);
    await signInAtDevProvider(page, 'alice', '123456');
    assert.equal(page.url(), `http://app.localhost:${port}/payroll`);
    assert.match((await page.textContent('body')) ?? '', /Verified assertion: alice/);
  });

  it('bob gets into the admin app', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`http://admin.localhost:${port}/`);
    await signInAtDevProvider(page, 'bob');
    assert.match((await page.textContent('body')) ?? '', /Verified assertion: bob/);
  });
});
