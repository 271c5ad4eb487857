import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostAllowed, redirectPolicy, safeRedirect } from './redirect.ts';

const policy = redirectPolicy(['app.example.com', '*.apps.example.com', '*'], false);
const origin = 'https://app.example.com';
const ok = (target: string) => safeRedirect(target, origin, policy);

describe('safeRedirect: accepted', () => {
  it('a path on the current host, with query and fragment', () => {
    assert.equal(ok('/'), 'https://app.example.com/');
    assert.equal(
      ok('/reports?q=1&x=%2F%2Fnot-a-host#top'),
      'https://app.example.com/reports?q=1&x=%2F%2Fnot-a-host#top',
    );
  });

  it('an absolute https URL on an allowed host or sub-domain', () => {
    assert.equal(ok('https://app.example.com/x'), 'https://app.example.com/x');
    assert.equal(ok('https://grafana.apps.example.com/d/1'), 'https://grafana.apps.example.com/d/1');
    assert.equal(ok('HTTPS://App.Example.Com/x'), 'https://app.example.com/x');
    assert.equal(ok('https://app.example.com:8443/x'), 'https://app.example.com:8443/x');
  });

  it('plain http only when the policy allows it', () => {
    assert.equal(ok('http://app.example.com/x'), undefined);
    const dev = redirectPolicy(['app.localhost'], true);
    assert.equal(
      safeRedirect('http://app.localhost:8080/x', 'http://app.localhost:8080', dev),
      'http://app.localhost:8080/x',
    );
  });
});

describe('safeRedirect: refused', () => {
  const refused: [string, string][] = [
    ['protocol-relative', '//evil.com'],
    ['protocol-relative with path', '//evil.com/app.example.com'],
    ['slash backslash', '/\\evil.com'],
    ['backslash slash', '\\/evil.com'],
    ['double backslash', '\\\\evil.com'],
    ['scheme without slashes', 'https:evil.com'],
    ['scheme with one slash', 'https:/evil.com'],
    ['scheme with backslashes', 'https:\\\\evil.com'],
    ['javascript', 'javascript:alert(1)'],
    ['javascript mixed case', 'JaVaScRiPt:alert(1)'],
    ['javascript with leading space', ' javascript:alert(1)'],
    ['data', 'data:text/html,<script>alert(1)</script>'],
    ['vbscript', 'vbscript:msgbox(1)'],
    ['tab inside //', '/\t/evil.com'],
    ['newline inside //', '/\n/evil.com'],
    ['carriage return', '/\r\n/evil.com'],
    ['leading tab', '\t//evil.com'],
    ['encoded //', '%2F%2Fevil.com'],
    ['encoded // lower-case', '%2f%2fevil.com'],
    ['half encoded //', '/%2Fevil.com'],
    ['encoded backslash', '/%5Cevil.com'],
    ['encoded backslash lower-case', '/%5cevil.com'],
    ['double-encoded //', '/%252Fevil.com'],
    ['double-encoded backslash', '/%255Cevil.com'],
    ['encoded tab', '/%09/evil.com'],
    ['encoded newline', '/%0d%0aLocation:%20https://evil.com'],
    ['encoded javascript', 'javascript%3Aalert(1)'],
    ['encoded scheme', '%6Aavascript:alert(1)'],
    ['userinfo trick', 'https://app.example.com@evil.com/'],
    ['userinfo with password', 'https://app.example.com:x@evil.com/'],
    ['encoded at userinfo', 'https://app.example.com%40evil.com/'],
    ['other host', 'https://evil.com/'],
    ['suffix without dot', 'https://evilapp.example.com/'],
    ['wildcard apex is not a sub-domain', 'https://apps.example.com/'],
    ['look-alike suffix', 'https://app.example.com.evil.com/'],
    ['http downgrade', 'http://app.example.com/'],
    ['ftp', 'ftp://app.example.com/'],
    ['relative without slash', 'evil.com'],
    ['dot relative', './x'],
    ['empty', ''],
    ['malformed percent', '/%E0%A4%A'],
    ['too long', `/${'a'.repeat(5000)}`],
    ['triple slash', '///evil.com'],
    [
      'unicode backslash look-alike is fine but fullwidth solidus host trick',
      'https://evil.com\uFF0F.app.example.com/',
    ],
  ];
  for (const [label, target] of refused) {
    it(label, () => assert.equal(ok(target), undefined, JSON.stringify(target)));
  }

  it('non-strings', () => {
    for (const v of [undefined, null, 42, ['/'], {}])
      assert.equal(safeRedirect(v, origin, policy), undefined);
  });
});

describe('hostAllowed', () => {
  it('matches exact hosts and sub-domains of wildcards, ignoring case and a trailing dot; * allows nothing', () => {
    assert.equal(hostAllowed(policy, 'APP.example.com.'), true);
    assert.equal(hostAllowed(policy, 'a.b.apps.example.com'), true);
    assert.equal(hostAllowed(policy, 'apps.example.com'), false);
    assert.equal(hostAllowed(policy, 'evil.com'), false);
  });
});
