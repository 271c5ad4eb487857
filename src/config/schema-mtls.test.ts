import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdentitySchema } from './schema-identity.ts';
import { MtlsSchema } from './schema-mtls.ts';

const td = (name: string, bundleFile = '/etc/bundle.pem') => ({ name, bundleFile });

test('identity.mtls: trust domains with subjectFrom defaulting to spiffe', () => {
  const parsed = IdentitySchema.parse({
    mtls: { trustDomains: [td('prod.example.org'), { ...td('x_y-z.0'), kubernetes: true }] },
  });
  assert.deepEqual(parsed.mtls, {
    trustDomains: [
      { ...td('prod.example.org'), kubernetes: false },
      { ...td('x_y-z.0'), kubernetes: true },
    ],
    subjectFrom: 'spiffe',
  });
  assert.equal(IdentitySchema.parse({}).mtls, undefined);
});

test('identity.mtls: bad trust domain names, duplicates, unknown keys and empty lists are refused with paths', () => {
  const issues = (input: unknown) =>
    MtlsSchema.safeParse(input).error?.issues.map((i) => `${i.path.join('/')}: ${i.code}`) ?? [];
  for (const name of [
    'Prod.example.org',
    'spiffe://prod.example.org',
    'prod.example.org:443',
    'prod/x',
    '',
    'a'.repeat(256),
  ]) {
    assert.deepEqual(issues({ trustDomains: [td(name)] }), ['trustDomains/0/name: invalid_format'], name);
  }
  assert.deepEqual(issues({ trustDomains: [td('a.org'), td('b.org'), td('a.org')] }), [
    'trustDomains/2/name: custom',
  ]);
  assert.deepEqual(issues({ trustDomains: [] }), ['trustDomains: too_small']);
  assert.deepEqual(issues({ trustDomains: [td('a.org', '')] }), ['trustDomains/0/bundleFile: too_small']);
  assert.deepEqual(issues({ trustDomains: [{ ...td('a.org'), bundle: 'x' }] }), [
    'trustDomains/0: unrecognized_keys',
  ]);
  assert.deepEqual(issues({ trustDomains: [td('a.org')], subjectFrom: 'cn' }), [
    'subjectFrom: invalid_value',
  ]);
});
