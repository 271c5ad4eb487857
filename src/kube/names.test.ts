import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  boundedName,
  isDns1035Label,
  isDns1123Label,
  isLabelKey,
  isLabelValue,
  isPortName,
} from './names.ts';
import { parseServiceHost } from './service-host.ts';

describe('Kubernetes names', () => {
  it('DNS-1123 and DNS-1035 labels', () => {
    for (const ok of ['a', 'gatehouse', 'team-a', '0abc', 'x'.repeat(63)]) assert.ok(isDns1123Label(ok), ok);
    for (const bad of ['', 'A', '-a', 'a-', 'a.b', 'a_b', 'x'.repeat(64)])
      assert.ok(!isDns1123Label(bad), bad);
    assert.ok(isDns1035Label('orders'));
    assert.ok(!isDns1035Label('0rders'));
  });

  it('label keys and values', () => {
    for (const ok of ['app', 'app.kubernetes.io/name', 'example.com/Tier_1', 'a-b.c'])
      assert.ok(isLabelKey(ok), ok);
    for (const bad of ['', '/app', 'Example.com/x', 'a/b/c', 'app!', `${'x'.repeat(64)}`]) {
      assert.ok(!isLabelKey(bad), bad);
    }
    for (const ok of ['', 'gatehouse', 'v1.2_3-x']) assert.ok(isLabelValue(ok), ok);
    for (const bad of ['-x', 'x-', 'a b', 'x'.repeat(64)]) assert.ok(!isLabelValue(bad), bad);
  });

  it('container port names', () => {
    for (const ok of ['http', 'metrics', 'web-1']) assert.ok(isPortName(ok), ok);
    for (const bad of ['', '8080', 'HTTP', 'a--b', 'x'.repeat(16), '-http']) assert.ok(!isPortName(bad), bad);
  });

  it('boundedName stays a DNS-1123 label of at most 63 characters', () => {
    assert.equal(boundedName('gatehouse-only-', 'orders'), 'gatehouse-only-orders');
    const n = boundedName('gatehouse-only-', `${'a'.repeat(40)}-${'b'.repeat(22)}`);
    assert.ok(n.length <= 63 && isDns1123Label(n), n);
    const dash = boundedName('gatehouse-only-', `${'a'.repeat(38)}-----${'b'.repeat(20)}`);
    assert.ok(isDns1123Label(dash), dash);
  });
});

describe('parseServiceHost', () => {
  it('reads the three Service spellings', () => {
    assert.deepEqual(parseServiceHost('orders.shop.svc.cluster.local'), {
      ok: true,
      service: 'orders',
      namespace: 'shop',
      form: 'fqdn',
    });
    assert.deepEqual(parseServiceHost('Orders.Shop.svc.'), {
      ok: true,
      service: 'orders',
      namespace: 'shop',
      form: 'svc',
    });
    assert.deepEqual(parseServiceHost('orders.shop'), {
      ok: true,
      service: 'orders',
      namespace: 'shop',
      form: 'short',
    });
  });

  it('refuses what is not a Service', () => {
    for (const host of [
      '10.1.2.3',
      '[::1]',
      'backend',
      'a.b.c.d',
      'a.b.svc.example.com',
      '0rders.shop',
      'a.Sh_op',
    ]) {
      assert.equal(parseServiceHost(host).ok, false, host);
    }
  });
});
