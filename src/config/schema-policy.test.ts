import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { PolicySchema } from './schema-policy.ts';

const issues = (value: unknown) => {
  const r = PolicySchema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => [`/${i.path.join('/')}`, i.message]);
};

describe('PolicySchema', () => {
  it('accepts the documented shape', () => {
    assert.deepEqual(
      issues({
        allow: [
          { id: 'engineers', groups: { anyOf: ['engineering'] }, method: ['GET', 'HEAD'] },
          {
            id: 'ci-deployer',
            kind: 'workload',
            spiffeId: { trustDomain: 'prod.example.org', path: '/ns/ci/sa/*' },
            path: { prefix: '/deploy' },
          },
          { id: 'admins', groups: { anyOf: ['admin'] }, challenge: { maxAgeSeconds: 300, acr: ['mfa'] } },
        ],
        deny: [{ id: 'no-contractors', claim: { path: 'employment.type', equals: 'contractor' } }],
      }),
      [],
    );
  });

  it('an unknown criterion names the key, at the rule, with a suggestion', () => {
    assert.deepEqual(issues({ allow: [{ grups: { anyOf: ['x'] } }] }), [
      ['/allow/0', 'unknown criterion "grups" (did you mean "groups"?)'],
    ]);
    assert.deepEqual(issues({ allow: [{ any: [{ frobnicate: 1 }] }] }), [
      ['/allow/0/any/0', 'unknown criterion "frobnicate"'],
    ]);
    assert.deepEqual(issues({ alow: [] }), [['/', 'unknown policy key "alow" (did you mean "allow"?)']]);
  });

  it('wrong types point at the criterion', () => {
    assert.deepEqual(issues({ deny: [{ subject: 5 }] }), [
      ['/deny/0/subject', 'expected a string or a list of strings'],
    ]);
    assert.equal(issues({ allow: [{ groups: 'eng' }] })[0]?.[0], '/allow/0/groups');
  });

  it('is exportable as JSON Schema (for editors)', () => {
    const schema = z.toJSONSchema(PolicySchema, { unrepresentable: 'any' }) as {
      properties?: Record<string, unknown>;
    };
    assert.ok(schema.properties?.['allow']);
    assert.match(JSON.stringify(schema), /"groups"/);
  });
});
