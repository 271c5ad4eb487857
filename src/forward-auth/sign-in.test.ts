import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestInfo } from '../model/index.ts';
import { isBrowser, originalUrl, signInLocation } from './sign-in.ts';

function info(o: Partial<RequestInfo> = {}): RequestInfo {
  return {
    id: 'r',
    method: 'GET',
    scheme: 'https',
    host: 'app.test',
    port: 443,
    path: '/a b/c',
    query: 'x=1&y=2',
    headers: {},
    peerAddress: '127.0.0.1',
    clientAddress: '127.0.0.1',
    listener: 'web',
    ...o,
  };
}

describe('sign-in location', () => {
  it('rd is the original URL; the default port is left out, another kept, IPv6 bracketed', () => {
    assert.equal(originalUrl(info()), 'https://app.test/a b/c?x=1&y=2');
    assert.equal(originalUrl(info({ scheme: 'http', port: 8080, query: '' })), 'http://app.test:8080/a b/c');
    assert.equal(
      originalUrl(info({ host: '[::1]', port: 8443, path: '/', query: '' })),
      'https://[::1]:8443/',
    );
  });

  it('a path is taken on the original host; an absolute URL keeps its own query', () => {
    const onHost = new URL(signInLocation('/.gatehouse/login', info()));
    assert.equal(onHost.origin, 'https://app.test');
    assert.equal(onHost.searchParams.get('rd'), 'https://app.test/a b/c?x=1&y=2');
    const elsewhere = new URL(signInLocation('https://login.test/start?tenant=t1', info()));
    assert.equal(elsewhere.host, 'login.test');
    assert.equal(elsewhere.searchParams.get('tenant'), 't1');
    assert.equal(elsewhere.searchParams.get('rd'), 'https://app.test/a b/c?x=1&y=2');
  });

  it('a challenge adds max_age and acr_values', () => {
    const u = new URL(
      signInLocation('/.gatehouse/login', info(), { maxAgeSeconds: 300, acr: ['mfa', 'hwk'] }),
    );
    assert.equal(u.searchParams.get('max_age'), '300');
    assert.equal(u.searchParams.get('acr_values'), 'mfa hwk');
  });

  it('browsers: Accept text/html or Sec-Fetch-Mode navigate', () => {
    assert.equal(isBrowser({ accept: 'text/html,application/xhtml+xml' }), true);
    assert.equal(isBrowser({ 'sec-fetch-mode': 'navigate' }), true);
    assert.equal(isBrowser({ accept: 'application/json' }), false);
    assert.equal(isBrowser({}), false);
  });
});
