import assert from 'node:assert/strict';
import { it, describe as suite } from 'node:test';
import { describe } from './description.ts';
import { HeaderView } from './header-view.ts';

const read = (pairs: [string, string][]) => describe(HeaderView.fromPairs(pairs));

suite('describe(): the original request as the headers state it', () => {
  it('reads ingress-nginx X-Original-URL into scheme, host and target', () => {
    const r = read([['x-original-url', 'HTTPS://App.Example.com:8443/a?b=c']]);
    assert.deepEqual(r, {
      ok: true,
      described: { scheme: 'https', authority: 'App.Example.com:8443', target: '/a?b=c' },
    });
    const bare = read([['x-original-url', 'http://h.test?x=1']]);
    assert.ok(bare.ok && bare.described.target === '/?x=1');
  });

  it('descriptions that agree are one fact; hosts compare canonically, ports only when both give one', () => {
    const r = read([
      ['x-original-url', 'https://app.test:443/a'],
      ['x-original-uri', '/a'],
      ['x-forwarded-host', 'APP.test.'],
      ['x-forwarded-proto', 'HTTPS'],
      ['x-original-method', 'GET'],
      ['x-forwarded-method', 'GET'],
    ]);
    assert.ok(r.ok);
    assert.equal(r.described.target, '/a');
  });

  it('descriptions that disagree, or a repeated header, are a conflict', () => {
    for (const pairs of [
      [
        ['x-original-uri', '/a'],
        ['x-forwarded-uri', '/b'],
      ],
      [
        ['x-original-url', 'https://a.test/x'],
        ['x-forwarded-host', 'b.test'],
      ],
      [
        ['x-original-url', 'https://a.test:1/x'],
        ['x-forwarded-host', 'a.test:2'],
      ],
      [
        ['x-original-url', 'https://a.test/x'],
        ['x-forwarded-proto', 'http'],
      ],
      [
        ['x-original-method', 'GET'],
        ['x-forwarded-method', 'POST'],
      ],
      [
        ['x-original-method', 'get'],
        ['x-forwarded-method', 'GET'],
      ],
      [
        ['x-forwarded-uri', '/a'],
        ['x-forwarded-uri', '/a'],
      ],
    ] as [string, string][][]) {
      const r = read(pairs);
      assert.equal(r.ok, false, JSON.stringify(pairs));
      if (!r.ok) assert.equal(r.reason, 'forward-auth-headers-conflict', JSON.stringify(pairs));
    }
  });

  it('an unparseable URL or host is request-invalid', () => {
    for (const pairs of [
      [['x-original-url', '/relative']],
      [
        ['x-original-url', 'https://a.test/x'],
        ['x-forwarded-host', 'a b'],
      ],
    ] as [string, string][][]) {
      const r = read(pairs);
      assert.ok(!r.ok && r.reason === 'request-invalid', JSON.stringify(pairs));
    }
  });

  it('no describing header: nothing described, no failure', () => {
    assert.deepEqual(read([['host', 'a.test']]), { ok: true, described: {} });
  });
});
