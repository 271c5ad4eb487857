import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestInfo } from '../model/index.ts';
import { isApiRequest } from './client-kind.ts';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

function req(method: string, headers: Record<string, string>): RequestInfo {
  return {
    id: 'r',
    method,
    scheme: 'https',
    host: 'app.example.com',
    port: 443,
    path: '/',
    query: '',
    headers,
    peerAddress: '127.0.0.1',
    clientAddress: '127.0.0.1',
    listener: 'web',
  };
}
const none = new Set<string>();

describe('isApiRequest', () => {
  it('a browser navigation is not an API call', () => {
    assert.equal(
      isApiRequest(req('GET', { accept: BROWSER_ACCEPT, 'sec-fetch-mode': 'navigate' }), 'app', none),
      false,
    );
    assert.equal(isApiRequest(req('GET', { accept: BROWSER_ACCEPT }), 'app', none), false, 'old browser');
    assert.equal(
      isApiRequest(req('POST', { accept: BROWSER_ACCEPT, 'sec-fetch-mode': 'navigate' }), 'app', none),
      false,
      'form post',
    );
  });

  it('fetch / XHR / JSON / scripts / preflight are API calls', () => {
    const cases: [string, Record<string, string>][] = [
      ['GET', { accept: '*/*', 'sec-fetch-mode': 'cors' }],
      ['GET', { accept: BROWSER_ACCEPT, 'sec-fetch-mode': 'no-cors' }],
      ['GET', { accept: 'application/json' }],
      ['GET', { accept: 'application/json, text/html' }],
      ['GET', { accept: BROWSER_ACCEPT, 'x-requested-with': 'XMLHttpRequest' }],
      ['GET', {}],
      ['GET', { accept: '*/*' }],
      ['POST', { accept: BROWSER_ACCEPT }],
      [
        'OPTIONS',
        { 'access-control-request-method': 'GET', origin: 'https://x.example', 'sec-fetch-mode': 'cors' },
      ],
    ];
    for (const [method, headers] of cases)
      assert.equal(isApiRequest(req(method, headers), 'app', none), true, JSON.stringify([method, headers]));
  });

  it('a route listed as API is always an API', () => {
    assert.equal(
      isApiRequest(
        req('GET', { accept: BROWSER_ACCEPT, 'sec-fetch-mode': 'navigate' }),
        'api',
        new Set(['api']),
      ),
      true,
    );
  });
});
