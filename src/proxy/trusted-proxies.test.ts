import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrustedProxies } from './trusted-proxies.ts';

describe('trusted proxies', () => {
  it('trusts nobody by default: the peer is the client whatever X-Forwarded-For says', () => {
    const t = new TrustedProxies([]);
    assert.equal(t.has('127.0.0.1'), false);
    assert.equal(t.clientAddress('10.0.0.9', '1.2.3.4'), '10.0.0.9');
  });

  it('walks X-Forwarded-For from the right, skipping trusted hops', () => {
    const t = new TrustedProxies(['10.0.0.0/8', '::1']);
    assert.equal(t.clientAddress('10.0.0.1', '203.0.113.7, 10.1.1.1'), '203.0.113.7');
    assert.equal(t.clientAddress('::ffff:10.0.0.1', '198.51.100.1, 203.0.113.7'), '203.0.113.7');
    assert.equal(t.clientAddress('::1', ['198.51.100.1', '10.2.2.2']), '198.51.100.1');
  });

  it('stops at a malformed hop and uses the last good address', () => {
    const t = new TrustedProxies(['10.0.0.0/8']);
    assert.equal(t.clientAddress('10.0.0.1', 'evil, 10.3.3.3'), '10.3.3.3');
  });

  it('never trusts a peer outside the list', () => {
    const t = new TrustedProxies(['10.0.0.0/8']);
    assert.equal(t.clientAddress('192.0.2.1', '10.0.0.5'), '192.0.2.1');
  });

  it('rejects an invalid CIDR at construction', () => {
    assert.throws(() => new TrustedProxies(['not-an-ip/8']));
  });
});
