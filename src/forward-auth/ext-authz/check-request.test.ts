import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCheckRequest } from './check-request.ts';

function request(headers: { key: string; value: string }[]) {
  return {
    attributes: {
      request: {
        http: { method: 'GET', path: '/x', host: 'app.example.test', header_map: { headers } },
      },
    },
  };
}

describe('readCheckRequest', () => {
  it('reads headers named like Object members as ordinary headers', () => {
    const r = readCheckRequest(
      request([
        { key: 'constructor', value: 'a' },
        { key: 'tostring', value: 'b' },
        { key: 'hasownproperty', value: 'c' },
        { key: 'constructor', value: 'd' },
      ]),
      16_384,
    );
    assert.ok(r.ok);
    assert.equal(r.facts.headers.constructor, 'a, d');
    assert.equal(r.facts.headers.tostring, 'b');
    assert.equal(r.facts.headers.hasownproperty, 'c');
  });

  it('refuses a header named __proto__', () => {
    const r = readCheckRequest(request([{ key: '__proto__', value: 'x' }]), 16_384);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.reason === 'request-invalid');
  });
});
