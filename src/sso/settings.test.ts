import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfigText } from '../config/index.ts';
import { hostAllowed } from './redirect.ts';
import { ssoSettings } from './settings.ts';
import { oidcConfig } from './test-fixtures.ts';

describe('ssoSettings', () => {
  it('host-only secure cookies get __Host-; redirect hosts default to the route hosts', () => {
    const s = ssoSettings(oidcConfig());
    assert.equal(s.cookieName, '__Host-gatehouse_session');
    assert.equal(s.loginCookieName, '__Host-gatehouse_session_login');
    assert.equal(s.handoff, false);
    assert.ok(hostAllowed(s.redirect, 'app.example.com'));
    assert.ok(!hostAllowed(s.redirect, 'evil.example.com'));
    assert.equal(s.redirect.allowHttp, true, 'plain http listener');
  });

  it('parent-domain mode: __Secure- cookie with Domain, sub-domains allowed; the sign-in cookie stays host-only', () => {
    const s = ssoSettings(oidcConfig('cookie: { domain: example.com }\nauthHost: auth.example.com'));
    assert.equal(s.cookieName, '__Secure-gatehouse_session');
    assert.equal(s.cookieDomain, 'example.com');
    assert.equal(s.loginCookieName, '__Host-gatehouse_session_login');
    assert.equal(s.handoff, false);
    assert.ok(hostAllowed(s.redirect, 'auth.example.com'));
  });

  it('an auth host with host-only cookies means hand-off', () => {
    const s = ssoSettings(oidcConfig('authHost: auth.example.com:8443'));
    assert.equal(s.handoff, true);
    assert.equal(s.authHost, 'auth.example.com:8443');
  });
});

describe('identity.oidc schema', () => {
  const base = (oidc: string, listeners = '[{ name: web, port: 0 }]') =>
    loadConfigText(`listeners: ${listeners}
identity:
  oidc:
${oidc
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
routes: [{ id: app, match: { host: app.example.com }, upstream: "http://127.0.0.1:1", public: true }]
`);
  const problems = (r: ReturnType<typeof base>) =>
    r.ok ? [] : r.problems.map((p) => `${p.pointer}: ${p.message}`);

  it('applies defaults', () => {
    const r = base('issuer: https://idp.example.com\nclientId: gh');
    assert.ok(r.ok, JSON.stringify(problems(r)));
    const o = r.config.identity.oidc!;
    assert.deepEqual(o.scopes, ['openid', 'email', 'profile']);
    assert.equal(o.session.absoluteSeconds, 43_200);
    assert.equal(o.session.idleSeconds, 3_600);
    assert.equal(o.session.store, 'memory');
    assert.equal(o.cookie.secure, true);
    assert.equal(o.cookie.sameSite, 'lax');
    assert.equal(o.refreshBeforeSeconds, 60);
  });

  it('refuses an inline secret, a plain-http issuer, scopes without openid, reserved auth params', () => {
    const inline = problems(base('issuer: https://idp.example.com\nclientId: gh\nclientSecret: hunter2'));
    assert.ok(
      inline.some((p) => p.startsWith('/identity/oidc/clientSecret') && /never written inline/.test(p)),
      inline.join('\n'),
    );
    assert.ok(
      problems(base('issuer: http://idp.example.com\nclientId: gh')).some((p) =>
        p.startsWith('/identity/oidc/issuer'),
      ),
    );
    assert.ok(
      problems(base('issuer: http://127.0.0.1:9\nclientId: gh')).some((p) =>
        p.startsWith('/identity/oidc/issuer'),
      ),
    );
    assert.ok(base('issuer: http://127.0.0.1:9\nclientId: gh\nallowInsecureIssuer: true').ok);
    assert.ok(
      problems(base('issuer: http://10.0.0.1:9\nclientId: gh\nallowInsecureIssuer: true')).length > 0,
    );
    assert.ok(
      problems(base('issuer: https://i.example\nclientId: gh\nscopes: [email]')).some((p) =>
        /openid/.test(p),
      ),
    );
    assert.ok(problems(base('issuer: https://i.example\nclientId: gh\nauthParams: { state: x }')).length > 0);
    assert.ok(base('issuer: https://i.example\nclientId: gh\nauthParams: { access_type: offline }').ok);
  });

  it('secure: false only when every listener is plain http on loopback', () => {
    const insecure = 'issuer: https://i.example\nclientId: gh\ncookie: { secure: false }';
    assert.ok(base(insecure).ok);
    const r = base(insecure, '[{ name: web, port: 0, address: 0.0.0.0 }]');
    assert.ok(problems(r).some((p) => p.startsWith('/identity/oidc/cookie/secure')));
  });

  it('apiRoutes must name routes; idle may not exceed absolute', () => {
    assert.ok(
      problems(base('issuer: https://i.example\nclientId: gh\napiRoutes: [nope]')).some((p) =>
        p.startsWith('/identity/oidc/apiRoutes/0'),
      ),
    );
    assert.ok(
      problems(
        base('issuer: https://i.example\nclientId: gh\nsession: { absoluteSeconds: 600, idleSeconds: 900 }'),
      ).some((p) => p.startsWith('/identity/oidc/session/idleSeconds')),
    );
  });
});
