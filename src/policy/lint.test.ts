import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PolicyConfig } from '../config/schema-policy.ts';
import { compilePolicy } from './compile.ts';
import { lintPolicy } from './lint.ts';
import { isOpenPolicy } from './open.ts';

const codes = (config: PolicyConfig) =>
  lintPolicy(config, '/policies/x').map((w) => `${w.code} ${w.pointer}`);

describe('lintPolicy', () => {
  it('a sound policy has no warnings', () => {
    assert.deepEqual(
      codes({
        allow: [
          { groups: { anyOf: ['engineering'] }, sourceCidr: ['10.0.0.0/8'] },
          { spiffeId: { trustDomain: 'prod.example.org' } },
        ],
        deny: [{ claim: { path: 'employment.type', equals: 'contractor' } }],
      }),
      [],
    );
  });

  it('no allow rules', () => {
    assert.deepEqual(codes({ deny: [{ kind: 'user' }] }), ['no-allow-rules /policies/x']);
  });

  it('empty lists, at the list', () => {
    assert.deepEqual(
      codes({ allow: [{ kind: 'user', groups: { anyOf: [] }, any: [{ claim: { path: 'a', in: [] } }] }] }),
      ['empty-list /policies/x/allow/0/groups/anyOf', 'empty-list /policies/x/allow/0/any/0/claim/in'],
    );
    assert.deepEqual(codes({ allow: [{ kind: 'user', any: [] }] }), ['empty-list /policies/x/allow/0/any']);
  });

  it('a network never grants alone', () => {
    assert.deepEqual(codes({ allow: [{ sourceCidr: ['10.0.0.0/8'] }] }), [
      'network-only-allow /policies/x/allow/0',
    ]);
    assert.deepEqual(codes({ allow: [{ sourceCidr: ['10.0.0.0/8'], method: ['GET'] }] }), [
      'network-only-allow /policies/x/allow/0',
    ]);
    assert.deepEqual(codes({ allow: [{ sourceCidr: ['10.0.0.0/8'], not: { kind: 'workload' } }] }), [
      'network-only-allow /policies/x/allow/0',
    ]);
    assert.deepEqual(codes({ allow: [{ sourceCidr: ['10.0.0.0/8'], any: [{ kind: 'user' }] }] }), []);
  });

  it('open rules', () => {
    assert.deepEqual(codes({ allow: [{ authenticated: true }] }), ['open-rule /policies/x/allow/0']);
    assert.match(
      lintPolicy({ allow: [{ description: 'everyone' }] }, '/p')[0]?.message ?? '',
      /admits anyone/,
    );
  });

  it('rules after an unconditional rule are unreachable', () => {
    assert.deepEqual(codes({ allow: [{ kind: 'user' }, {}, { kind: 'workload' }] }), [
      'open-rule /policies/x/allow/1',
      'unreachable-rule /policies/x/allow/2',
    ]);
    assert.deepEqual(codes({ allow: [{ kind: 'user' }], deny: [{}, { kind: 'workload' }] }), [
      'unreachable-rule /policies/x/deny/1',
      'shadowed-allow /policies/x/allow/0',
    ]);
  });

  it('an allow rule covered by a deny rule is shadowed', () => {
    const w = lintPolicy(
      {
        allow: [
          { id: 'eng', groups: { anyOf: ['engineering'] }, method: ['GET'] },
          { id: 'ops', groups: { anyOf: ['ops'] } },
        ],
        deny: [{ id: 'no-get', method: ['GET'] }],
      },
      '/p',
    );
    assert.deepEqual(
      w.map((x) => [x.code, x.pointer]),
      [['shadowed-allow', '/p/allow/0']],
    );
    assert.match(w[0]?.message ?? '', /allow rule "eng" can never allow: deny rule "no-get"/);
  });
});

describe('isOpenPolicy', () => {
  it('true when an allow rule admits any caller, false otherwise', () => {
    assert.equal(isOpenPolicy({ allow: [{ kind: 'user' }, { authenticated: true }] }), true);
    assert.equal(isOpenPolicy({ allow: [{}] }), true);
    assert.equal(isOpenPolicy({ allow: [{ groups: { anyOf: ['a'] } }] }), false);
    assert.equal(isOpenPolicy({}), false);
    assert.equal(isOpenPolicy({ allow: [{}], deny: [{}] }), false);
  });

  it('works on compiled policies too', () => {
    assert.equal(
      isOpenPolicy(compilePolicy({ allow: [{ authenticated: true }] }, { pointer: '/p' }).policy!),
      true,
    );
    assert.equal(
      isOpenPolicy(compilePolicy({ allow: [{ kind: 'user' }] }, { pointer: '/p' }).policy!),
      false,
    );
  });
});
