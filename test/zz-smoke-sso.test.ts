import assert from 'node:assert/strict';
import { it } from 'node:test';
import { APP, browse, CookieJar, send, startSsoStack } from './helpers/sso.ts';

it('smoke', async () => {
  const stack = await startSsoStack();
  try {
    const jar = new CookieJar();
    const trail: string[] = [];
    const r = await browse(jar, `${stack.origin(APP)}/hello`, { user: 'alice', trail });
    console.log(trail.join('\n'), r.status, r.body.slice(0, 500));
    const me = await send(jar, `${stack.origin(APP)}/.gatehouse/me`);
    console.log(me.status, me.body);
  } finally {
    await stack.close();
  }
});
