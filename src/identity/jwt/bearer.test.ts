import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readBearer } from './bearer.ts';

describe('readBearer', () => {
  it('reads the token after a case-insensitive Bearer scheme', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      assert.deepEqual(readBearer({ authorization: `${scheme} a.b.c` }), { kind: 'token', token: 'a.b.c' });
    }
    assert.deepEqual(readBearer({ authorization: 'Bearer   a.b.c' }), { kind: 'token', token: 'a.b.c' });
  });

  it('is none without a header, with an empty one, or with another scheme', () => {
    assert.equal(readBearer({}).kind, 'none');
    assert.equal(readBearer({ authorization: '' }).kind, 'none');
    assert.equal(readBearer({ authorization: 'Basic dXNlcjpwYXNz' }).kind, 'none');
    assert.equal(readBearer({ authorization: 'DPoP a.b.c' }).kind, 'none');
    assert.equal(readBearer({ authorization: 'Bearera.b.c' }).kind, 'none');
  });

  it('never reads the token from anywhere else', () => {
    const headers = {
      cookie: 'access_token=a.b.c',
      'x-access-token': 'a.b.c',
      'x-forwarded-authorization': 'Bearer a.b.c',
    };
    assert.equal(readBearer(headers).kind, 'none');
  });

  it('calls a Bearer header without a usable token malformed', () => {
    assert.equal(readBearer({ authorization: 'Bearer' }).kind, 'malformed');
    assert.equal(readBearer({ authorization: 'Bearer a.b.c d.e.f' }).kind, 'malformed');
    assert.equal(readBearer({ authorization: 'Bearer a.b.c,Bearer d.e.f' }).kind, 'malformed');
  });

  it('calls several Authorization values ambiguous', () => {
    const headers = { authorization: ['Bearer a.b.c', 'Bearer d.e.f'] } as unknown as Record<string, string>;
    assert.equal(readBearer(headers).kind, 'ambiguous');
    const single = { authorization: ['Bearer a.b.c'] } as unknown as Record<string, string>;
    assert.deepEqual(readBearer(single), { kind: 'token', token: 'a.b.c' });
  });
});
