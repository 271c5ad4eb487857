import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type NormaliseOptions, normaliseTarget } from './target.ts';

const HOST = 'example.com';
const NO_MERGE: NormaliseOptions = { mergeSlashes: false };
const MERGE: NormaliseOptions = { mergeSlashes: true };

function accepts(raw: string, path: string, query = '', options: NormaliseOptions = NO_MERGE): void {
  assert.deepEqual(
    normaliseTarget(raw, HOST, options),
    { ok: true, path, query },
    `target ${JSON.stringify(raw)}`,
  );
}

function refuses(
  raw: string,
  code: 'ERR_REQUEST_TARGET_INVALID' | 'ERR_REQUEST_TARGET_AMBIGUOUS' | 'ERR_REQUEST_HOST_MISMATCH',
  options: NormaliseOptions = NO_MERGE,
  host = HOST,
): void {
  const result = normaliseTarget(raw, host, options);
  assert.equal(
    result.ok,
    false,
    `target ${JSON.stringify(raw)} should be refused, got ${JSON.stringify(result)}`,
  );
  if (!result.ok) assert.equal(result.code, code, `target ${JSON.stringify(raw)}: ${result.detail}`);
}

const INVALID = 'ERR_REQUEST_TARGET_INVALID';
const AMBIGUOUS = 'ERR_REQUEST_TARGET_AMBIGUOUS';
const MISMATCH = 'ERR_REQUEST_HOST_MISMATCH';

describe('normaliseTarget: origin-form', () => {
  it('splits path and raw query', () => {
    accepts('/', '/');
    accepts('/a/b?x=1&y=2', '/a/b', 'x=1&y=2');
    accepts('/a?', '/a', '');
    accepts('/a?b?c', '/a', 'b?c');
    accepts('/?q', '/', 'q');
  });

  it('preserves the case of the path', () => {
    accepts('/Admin/X', '/Admin/X');
  });

  it('keeps sub-delimiters, ":" and "@" raw', () => {
    accepts("/a!$&'()*+,=:@b", "/a!$&'()*+,=:@b");
  });
});

describe('normaliseTarget: other target forms', () => {
  it('refuses empty, asterisk-form, authority-form and relative targets', () => {
    for (const raw of [
      '',
      '*',
      'example.com:443',
      'a/b',
      '?x',
      'ftp://example.com/x',
      'http:/x',
      'http:example.com/',
    ]) {
      refuses(raw, INVALID);
    }
  });

  it('accepts absolute-form naming the request host', () => {
    accepts('http://example.com/a?b', '/a', 'b');
    accepts('HTTPS://EXAMPLE.COM:8443/a/../b', '/b');
    accepts('http://example.com./a', '/a');
    accepts('http://example.com', '/');
    accepts('http://example.com?x=1', '/', 'x=1');
    assert.deepEqual(normaliseTarget('http://example.com/a', 'example.com.', NO_MERGE), {
      ok: true,
      path: '/a',
      query: '',
    });
    assert.deepEqual(normaliseTarget('http://[0:0::1]:8080/a', '[::1]', NO_MERGE), {
      ok: true,
      path: '/a',
      query: '',
    });
  });

  it('refuses absolute-form naming another host', () => {
    refuses('http://evil.com/a', MISMATCH);
    refuses('http://example.com.evil.com/a', MISMATCH);
    refuses('http://sub.example.com/a', MISMATCH);
    refuses('http://[::1]/a', MISMATCH);
  });

  it('refuses absolute-form with userinfo, bad port or empty authority', () => {
    refuses('http://user@example.com/', INVALID);
    refuses('http://example.com%2F@evil/', INVALID);
    refuses('http://example.com:0/', INVALID);
    refuses('http://example.com:99999/', INVALID);
    refuses('http:///a', INVALID);
  });

  it('refuses a backslash in the authority as ambiguous', () => {
    refuses('http://example.com\\@evil.com/', AMBIGUOUS);
  });

  it('applies the path rules to absolute-form', () => {
    refuses('http://example.com/a%2fb', AMBIGUOUS);
    accepts('http://example.com/%2e%2e/admin', '/admin');
  });
});

describe('normaliseTarget: dot segments', () => {
  const cases: [string, string][] = [
    ['/a/./b', '/a/b'],
    ['/a/../b', '/b'],
    ['/../x', '/x'],
    ['/../../../etc/passwd', '/etc/passwd'],
    ['/..', '/'],
    ['/.', '/'],
    ['/./', '/'],
    ['/a/b/..', '/a/'],
    ['/a/.', '/a/'],
    ['/...', '/...'],
    ['/a/.../b', '/a/.../b'],
    ['/..a/a..', '/..a/a..'],
    ['/.hidden', '/.hidden'],
    ['/%2e%2e/x', '/x'],
    ['/%2e%2e/', '/'],
    ['/a/%2e%2e/b', '/b'],
    ['/a/%2E%2e/b', '/b'],
    ['/a/.%2e/b', '/b'],
    ['/a/%2e./b', '/b'],
    ['/a/%2e/b', '/a/b'],
    ['/a/b/%2e%2e', '/a/'],
    ['/%2e%2e%2e', '/...'],
  ];
  for (const [raw, path] of cases) {
    it(`${raw} -> ${path}`, () => accepts(raw, path));
  }

  it('refuses an encoded slash after an encoded dot-dot', () => {
    refuses('/a/%2e%2e%2fb', AMBIGUOUS);
  });
});

describe('normaliseTarget: repeated slashes', () => {
  it('keeps them when mergeSlashes is false', () => {
    accepts('//', '//');
    accepts('//a///b', '//a///b');
    accepts('/.//', '//');
    accepts('/a//../b', '/a/b');
  });

  it('merges them before dot-segment removal when mergeSlashes is true', () => {
    accepts('//', '/', '', MERGE);
    accepts('//a///b//', '/a/b/', '', MERGE);
    accepts('/.//', '/', '', MERGE);
    accepts('/a//../b', '/b', '', MERGE);
    accepts('//..//a', '/a', '', MERGE);
  });
});

describe('normaliseTarget: semicolons', () => {
  it('refuses ";" and "%3B" in the path by default', () => {
    refuses('/a;b', AMBIGUOUS);
    refuses('/public/..;/admin', AMBIGUOUS);
    refuses('/admin;jsessionid=1', AMBIGUOUS);
    refuses('/public/..%3b/admin', AMBIGUOUS);
    refuses('/a%3Bb', AMBIGUOUS);
  });

  it('treats them as ordinary characters when allowSemicolons is true', () => {
    const allow = { mergeSlashes: false, allowSemicolons: true };
    accepts('/a;jsessionid=1', '/a;jsessionid=1', '', allow);
    accepts('/public/..;/admin', '/public/..;/admin', '', allow);
    accepts('/a%3bb', '/a%3Bb', '', allow);
  });

  it('allows ";" in the query', () => {
    accepts('/a?x=1;y=2', '/a', 'x=1;y=2');
  });
});

describe('normaliseTarget: percent-encoding', () => {
  it('decodes unreserved characters', () => {
    accepts('/%61dmin', '/admin');
    accepts('/a%41%7a%30', '/aAz0');
    accepts('/%7e%5F%2D', '/~_-');
  });

  it('keeps other escapes with upper-case hex', () => {
    accepts('/caf%c3%a9', '/caf%C3%A9');
    accepts('/%E2%82%AC', '/%E2%82%AC');
    accepts('/%f0%9f%98%80', '/%F0%9F%98%80');
    accepts('/a%20b', '/a%20b');
    accepts('/a%21b', '/a%21b');
    accepts('/a%7b', '/a%7B');
    accepts('/%3f', '/%3F');
    accepts('/%23', '/%23');
  });

  it('keeps %25 and does not decode twice', () => {
    accepts('/%252e%252e/x', '/%252e%252e/x');
    accepts('/%25', '/%25');
    accepts('/%252F', '/%252F');
  });

  it('encodes raw characters a path may not hold', () => {
    accepts('/a{b}', '/a%7Bb%7D');
    accepts('/a|b^c', '/a%7Cb%5Ec');
    accepts('/"<x>"', '/%22%3Cx%3E%22');
    accepts('/[x]`', '/%5Bx%5D%60');
  });

  it('refuses encoded "/", "\\" and NUL in any case', () => {
    for (const raw of ['/%2F', '/a%2fb', '/a%5Cb', '/a%5c..%5cb', '/a%00b', '/%00']) refuses(raw, AMBIGUOUS);
  });

  it('refuses malformed escapes', () => {
    for (const raw of ['/%', '/a%', '/%4', '/%zz', '/%4g', '/%%41', '/%g4']) refuses(raw, INVALID);
  });

  it('refuses encoded bytes that are not UTF-8', () => {
    for (const raw of [
      '/%C0%AE%C0%AE/x', // overlong '.'
      '/%E0%80%AF', // overlong '/'
      '/%FF',
      '/%C3', // truncated
      '/%C3a',
      '/%C3%2Fa',
      '/%C3%A9%A9', // stray continuation
      '/%ED%A0%80', // surrogate
      '/%F4%90%80%80', // above U+10FFFF
    ]) {
      refuses(raw, AMBIGUOUS);
    }
  });
});

describe('normaliseTarget: raw characters', () => {
  it('refuses control characters, space and DEL', () => {
    for (const raw of ['/a b', '/a\tb', '/a\x00', '/a\x7f', '/a\r\nX: y', '/a?x=\x01']) refuses(raw, INVALID);
  });

  it('refuses raw non-ASCII, as Node hands it over (latin1) or otherwise', () => {
    refuses('/caf\u00c3\u00a9', INVALID);
    refuses('/caf\u00e9', INVALID);
    refuses('/\u20ac', INVALID);
    refuses('/a?q=\u00e9', INVALID);
  });

  it('refuses a fragment', () => {
    refuses('/a#b', INVALID);
    refuses('/a?b#c', INVALID);
    refuses('/#', INVALID);
  });

  it('refuses a backslash in the path as ambiguous', () => {
    refuses('/a\\b', AMBIGUOUS);
    refuses('/..\\admin', AMBIGUOUS);
    refuses('\\a', AMBIGUOUS);
  });

  it('allows a backslash in the query, which cannot move the path', () => {
    accepts('/a?p=C:\\x', '/a', 'p=C:\\x');
  });
});

describe('normaliseTarget: query', () => {
  it('returns the query raw', () => {
    accepts('/a?x=%41&y=%2F&z=a/../b', '/a', 'x=%41&y=%2F&z=a/../b');
  });

  it('refuses malformed escapes in the query', () => {
    for (const raw of ['/a?x=%zz', '/a?x=%4', '/a?x=%', '/a?%%']) refuses(raw, INVALID);
  });

  it('does not echo the query in the detail', () => {
    const result = normaliseTarget('/a?token=s3cr3t%zz', HOST, NO_MERGE);
    assert.equal(result.ok, false);
    if (!result.ok) assert.ok(!result.detail.includes('s3cr3t'));
  });
});
