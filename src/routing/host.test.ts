import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHost, parseHostValue } from './host.ts';

describe('parseHostValue', () => {
  it('lower-cases names and splits the port', () => {
    assert.deepEqual(parseHostValue('Example.COM'), { ok: true, host: 'example.com' });
    assert.deepEqual(parseHostValue('example.com:8443'), { ok: true, host: 'example.com', port: 8443 });
    assert.deepEqual(parseHostValue('localhost'), { ok: true, host: 'localhost' });
    assert.deepEqual(parseHostValue('xn--bcher-kva.example'), { ok: true, host: 'xn--bcher-kva.example' });
    assert.deepEqual(parseHostValue('a-b.c1.example'), { ok: true, host: 'a-b.c1.example' });
  });

  it('drops one trailing dot, not two', () => {
    assert.deepEqual(parseHostValue('example.com.'), { ok: true, host: 'example.com' });
    assert.deepEqual(parseHostValue('example.com.:80'), { ok: true, host: 'example.com', port: 80 });
    assert.equal(parseHostValue('example.com..').ok, false);
    assert.equal(parseHostValue('.').ok, false);
  });

  it('validates the port', () => {
    assert.deepEqual(parseHostValue('example.com:1'), { ok: true, host: 'example.com', port: 1 });
    assert.deepEqual(parseHostValue('example.com:65535'), { ok: true, host: 'example.com', port: 65535 });
    for (const value of [
      'example.com:0',
      'example.com:65536',
      'example.com:',
      'example.com:+80',
      'example.com:80a',
      'example.com:123456',
      'example.com:80:80',
      'example.com: 80',
    ]) {
      assert.equal(parseHostValue(value).ok, false, value);
    }
  });

  it('accepts IPv4 dotted-quad only', () => {
    assert.deepEqual(parseHostValue('127.0.0.1:8080'), { ok: true, host: '127.0.0.1', port: 8080 });
    for (const value of [
      '127.1',
      '0x7f.0.0.1',
      '2130706433',
      '256.0.0.1',
      '01.2.3.4',
      '1.2.3.4.5',
      'a.0x1f',
    ]) {
      assert.equal(parseHostValue(value).ok, false, value);
    }
  });

  it('keeps IPv6 literals bracketed in canonical form', () => {
    assert.deepEqual(parseHostValue('[::1]'), { ok: true, host: '[::1]' });
    assert.deepEqual(parseHostValue('[::1]:8080'), { ok: true, host: '[::1]', port: 8080 });
    assert.deepEqual(parseHostValue('[0:0:0:0:0:0:0:1]'), { ok: true, host: '[::1]' });
    assert.deepEqual(parseHostValue('[2001:DB8::A]'), { ok: true, host: '[2001:db8::a]' });
    for (const value of [
      '[::1',
      '::1',
      '[::1]x',
      '[::1]:',
      '[fe80::1%25eth0]',
      '[v1.x]',
      '[1.2.3.4]',
      '[]',
      '[::g]',
    ]) {
      assert.equal(parseHostValue(value).ok, false, value);
    }
  });

  it('refuses invalid characters and shapes', () => {
    for (const value of [
      '',
      'user@example.com',
      'exa mple.com',
      ' example.com',
      'a.com,b.com',
      'example.com/x',
      'example.com\\x',
      'under_score.example',
      '-lead.example',
      'trail-.example',
      'a..b',
      '.example.com',
      'exa%2Emple.com',
      '*.example.com',
      'caf\u00e9.example',
      '\u212Aelvin.example', // Kelvin sign lower-cases to ASCII 'k'
      `${'a'.repeat(64)}.example`,
      `${'a.'.repeat(126)}ab`, // 254 characters
    ]) {
      assert.equal(parseHostValue(value).ok, false, JSON.stringify(value));
    }
  });

  it('accepts names up to the length limits', () => {
    const label = 'a'.repeat(63);
    assert.equal(parseHostValue(`${label}.example`).ok, true);
    const name = `${'a.'.repeat(126)}a`; // 253 characters
    assert.equal(parseHostValue(name).ok, true);
    assert.equal(parseHostValue(`${name}.`).ok, true);
  });
});

describe('parseHostValue: results of accepted values are remembered', () => {
  it('answers the same for a repeated value, and refusals are never remembered as accepted', () => {
    assert.deepEqual(parseHostValue('Memo.Example.COM.:8443'), {
      ok: true,
      host: 'memo.example.com',
      port: 8443,
    });
    assert.deepEqual(parseHostValue('Memo.Example.COM.:8443'), {
      ok: true,
      host: 'memo.example.com',
      port: 8443,
    });
    assert.equal(parseHostValue('bad host').ok, false);
    assert.equal(parseHostValue('bad host').ok, false);
  });

  it('stays correct past the memo size (a flood of distinct hosts)', () => {
    for (let i = 0; i < 3000; i++) {
      assert.deepEqual(parseHostValue(`H${i}.Example.test`), { ok: true, host: `h${i}.example.test` });
    }
    assert.deepEqual(parseHostValue('H5.Example.test'), { ok: true, host: 'h5.example.test' });
    assert.equal(parseHostValue('h_5.example.test').ok, false);
  });
});

describe('parseHost', () => {
  it('reads the one Host header, whatever the name case', () => {
    assert.deepEqual(parseHost(['Accept', '*/*', 'HOST', 'Example.com:8080']), {
      ok: true,
      host: 'example.com',
      port: 8080,
    });
    assert.deepEqual(parseHost(['host', 'example.com']), { ok: true, host: 'example.com' });
  });

  it('refuses a missing, repeated or empty Host', () => {
    assert.equal(parseHost([]).ok, false);
    assert.equal(parseHost(['Accept', '*/*']).ok, false);
    assert.equal(parseHost(['Host', 'a.example', 'host', 'b.example']).ok, false);
    assert.equal(parseHost(['Host', 'a.example', 'Host', 'a.example']).ok, false);
    assert.equal(parseHost(['Host', '']).ok, false);
  });

  it('does not take a header value named "host" for a header name', () => {
    assert.deepEqual(parseHost(['X-Note', 'host', 'Host', 'example.com']), { ok: true, host: 'example.com' });
  });
});
