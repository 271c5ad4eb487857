import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSpiffeId } from '../spiffe-id.ts';
import { kubernetesFromSpiffeId } from './spiffe-kubernetes.ts';

const k8s = (id: string) => kubernetesFromSpiffeId(parseSpiffeId(id)!);

test('the conventional /ns/<ns>/sa/<sa> path gives namespace and service account', () => {
  assert.deepEqual(k8s('spiffe://cluster.local/ns/payments/sa/api-server'), {
    namespace: 'payments',
    serviceAccount: 'api-server',
  });
  assert.deepEqual(k8s('spiffe://td/ns/a/sa/b.c'), { namespace: 'a', serviceAccount: 'b.c' });
});

test('other shapes and names the API server would refuse are not Kubernetes identity', () => {
  for (const id of [
    'spiffe://td/ns/payments',
    'spiffe://td/ns/payments/sa/api/extra',
    'spiffe://td/prefix/ns/payments/sa/api',
    'spiffe://td/sa/api/ns/payments',
    'spiffe://td/ns/Payments/sa/api',
    'spiffe://td/ns/pay_ments/sa/api',
    'spiffe://td/ns/-payments/sa/api',
    `spiffe://td/ns/${'a'.repeat(64)}/sa/api`,
    'spiffe://td/ns/payments/sa/API',
    'spiffe://td/ns/payments/sa/.api',
    'spiffe://td',
  ]) {
    assert.equal(k8s(id), undefined, id);
  }
});
