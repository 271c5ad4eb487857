import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalHost, pathHash, requestBinding } from '../src/index.ts';

describe('request binding', () => {
  it('canonicalises the Host header the way Gatehouse writes req.h', () => {
    assert.equal(canonicalHost('App.Example.COM'), 'app.example.com');
    assert.equal(canonicalHost('app.example.com:8443'), 'app.example.com');
    assert.equal(canonicalHost('app.example.com.'), 'app.example.com');
    assert.equal(canonicalHost('APP.example.com.:443'), 'app.example.com');
    assert.equal(canonicalHost('[0:0:0:0:0:0:0:1]:8080'), '[::1]');
    assert.equal(canonicalHost('[::1]'), '[::1]');
    assert.equal(canonicalHost('127.0.0.1:80'), '127.0.0.1');
    assert.equal(canonicalHost(''), undefined);
    assert.equal(canonicalHost(':80'), undefined);
    assert.equal(canonicalHost('[nope]'), undefined);
    assert.equal(canonicalHost('[::1'), undefined);
  });

  it('hashes the path without the query: base64url(SHA-256)', () => {
    // SHA-256("/") = 8a5edab2...; base64url without padding.
    assert.equal(pathHash('/'), 'il7asoJjJEMhngUeSt4tHVu8Zxx4EFG_FDeJfL3-oPE');
    assert.equal(pathHash('/a/b?x=1&y=2'), pathHash('/a/b'));
    assert.notEqual(pathHash('/a/b'), pathHash('/a/b/'));
    assert.notEqual(pathHash('/a/b'), pathHash('/A/b'));
  });

  it('builds the req claim of a request', () => {
    assert.deepEqual(requestBinding({ method: 'POST', host: 'Svc.Test:1', path: '/x?y' }), {
      m: 'POST',
      h: 'svc.test',
      p: pathHash('/x'),
    });
    assert.equal(requestBinding({ method: 'GET', host: '', path: '/' }), undefined);
  });
});
