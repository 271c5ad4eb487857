import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestInfo } from '../model/index.ts';
import { attachSourcePrincipal, sourcePrincipalAuthenticator } from './source-principal.ts';

function check(id: string): RequestInfo {
  const info: RequestInfo = {
    id: 'r',
    method: 'GET',
    scheme: 'https',
    host: 'app.test',
    port: 443,
    path: '/',
    query: '',
    headers: {},
    peerAddress: '127.0.0.1',
    clientAddress: '127.0.0.1',
    listener: 'ext-authz',
  };
  attachSourcePrincipal(info, id);
  return info;
}

describe('the ext_authz source principal', () => {
  it('names a Kubernetes service account only in a trust domain configured to', () => {
    const a = sourcePrincipalAuthenticator(new Set(['prod.test', 'partner.test']), new Set(['prod.test']));
    const ours = a.authenticate(check('spiffe://prod.test/ns/ci/sa/deployer'), 0);
    assert.ok(!(ours instanceof Promise) && ours.status === 'authenticated');
    assert.deepEqual(ours.principal.kubernetes, { namespace: 'ci', serviceAccount: 'deployer' });
    const theirs = a.authenticate(check('spiffe://partner.test/ns/ci/sa/deployer'), 0);
    assert.ok(!(theirs instanceof Promise) && theirs.status === 'authenticated');
    assert.equal(theirs.principal.kubernetes, undefined);
    assert.equal(theirs.principal.subject, 'spiffe://partner.test/ns/ci/sa/deployer');
  });

  it('refuses a trust domain not listed, and anything not a SPIFFE ID with a path', () => {
    const a = sourcePrincipalAuthenticator(new Set(['prod.test']));
    for (const [id, reason] of [
      ['spiffe://other.test/ns/ci/sa/deployer', 'cert-trust-domain-unknown'],
      ['spiffe://prod.test', 'cert-spiffe-id-invalid'],
      ['CN=api,O=corp', 'cert-spiffe-id-invalid'],
    ] as const) {
      const r = a.authenticate(check(id), 0);
      assert.ok(!(r instanceof Promise) && r.status === 'denied', id);
      assert.equal(r.reason, reason, id);
    }
  });
});
