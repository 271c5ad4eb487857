import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readKubernetesIdentity } from './kubernetes.ts';

const projected = {
  sub: 'system:serviceaccount:payments:api',
  'kubernetes.io': {
    namespace: 'payments',
    serviceaccount: { name: 'api', uid: '0b1c…' },
    pod: { name: 'api-7d9c-x2x', uid: 'a1b2' },
  },
};

describe('readKubernetesIdentity', () => {
  it('reads namespace, service account and pod from the kubernetes.io claim', () => {
    const result = readKubernetesIdentity(projected);
    assert.deepEqual(result, {
      ok: true,
      identity: { namespace: 'payments', serviceAccount: 'api', podName: 'api-7d9c-x2x' },
    });
  });

  it('falls back to a system:serviceaccount sub', () => {
    assert.deepEqual(readKubernetesIdentity({ sub: 'system:serviceaccount:ci:builder' }), {
      ok: true,
      identity: { namespace: 'ci', serviceAccount: 'builder' },
    });
  });

  it('refuses a sub that disagrees with the kubernetes.io claim', () => {
    const result = readKubernetesIdentity({ ...projected, sub: 'system:serviceaccount:kube-system:admin' });
    assert.equal(result.ok, false);
  });

  it('refuses tokens without any Kubernetes identity or with invalid names', () => {
    assert.equal(readKubernetesIdentity({ sub: 'alice' }).ok, false);
    assert.equal(readKubernetesIdentity({ sub: 'system:serviceaccount:Bad_NS:api' }).ok, false);
    assert.equal(readKubernetesIdentity({ 'kubernetes.io': { namespace: 'ns' } }).ok, false);
    assert.equal(
      readKubernetesIdentity({
        'kubernetes.io': { namespace: 'ns', serviceaccount: { name: 'a' }, pod: { name: 7 } },
      }).ok,
      false,
    );
    assert.equal(readKubernetesIdentity({ 'kubernetes.io': 'payments' }).ok, false);
  });
});
