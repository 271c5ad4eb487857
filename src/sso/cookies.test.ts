import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prefixedName, readCookie, serializeCookie, withoutCookies } from './cookies.ts';

describe('readCookie', () => {
  it('finds one cookie among others, with or without spaces and quotes', () => {
    assert.deepEqual(readCookie('a=1; sid=abc; b=2', 'sid'), { status: 'one', value: 'abc' });
    assert.deepEqual(readCookie('sid=abc', 'sid'), { status: 'one', value: 'abc' });
    assert.deepEqual(readCookie('a=1;sid="abc"', 'sid'), { status: 'one', value: 'abc' });
    assert.deepEqual(readCookie('xsid=abc; sidx=def', 'sid'), { status: 'absent' });
  });

  it('is absent without a header, for junk and for non-string headers', () => {
    for (const h of [undefined, '', 'garbage', ';;;', 42, {}, null, ['a', 3]]) {
      assert.deepEqual(readCookie(h, 'sid'), { status: 'absent' }, String(h));
    }
  });

  it('two different values under one name are ambiguous; the same value twice is not', () => {
    assert.deepEqual(readCookie('sid=a; sid=b', 'sid'), { status: 'ambiguous' });
    assert.deepEqual(readCookie(['sid=a', 'sid=b'], 'sid'), { status: 'ambiguous' });
    assert.deepEqual(readCookie('sid=a; sid=a', 'sid'), { status: 'one', value: 'a' });
  });

  it('does not parse an oversized header', () => {
    const huge = `x=${'a'.repeat(20_000)}; sid=abc`;
    assert.equal(readCookie(huge, 'sid').status, 'ambiguous');
    assert.equal(readCookie(`x=${'a'.repeat(20_000)}`, 'sid').status, 'absent');
  });
});

describe('serializeCookie', () => {
  it('is HttpOnly, with the given attributes', () => {
    assert.equal(
      serializeCookie('__Host-s', 'v', { secure: true, sameSite: 'lax', maxAgeSeconds: 60 }),
      '__Host-s=v; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=60',
    );
    assert.equal(
      serializeCookie('s', '', {
        secure: false,
        sameSite: 'strict',
        domain: 'example.com',
        maxAgeSeconds: 0,
      }),
      's=; Path=/; HttpOnly; SameSite=Strict; Domain=example.com; Max-Age=0',
    );
  });

  it('picks __Host- for host-only secure cookies, __Secure- with a domain, none when not secure', () => {
    assert.equal(prefixedName('s', true, undefined), '__Host-s');
    assert.equal(prefixedName('s', true, 'example.com'), '__Secure-s');
    assert.equal(prefixedName('s', false, undefined), 's');
  });
});

describe('withoutCookies', () => {
  const names = new Set(['__Host-s', '__Host-s_login']);
  it('drops the named cookies and keeps the others, in order', () => {
    assert.equal(withoutCookies('a=1; __Host-s=secret; b=2;__Host-s_login=x', names), 'a=1; b=2');
    assert.equal(withoutCookies('__Host-s=secret', names), undefined);
    assert.equal(withoutCookies('a=1', names), 'a=1');
    assert.equal(withoutCookies(' __Host-s = secret ; c=3', names), 'c=3');
  });
});
