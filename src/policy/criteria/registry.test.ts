import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CRITERION_NAMES, CriteriaSchemas } from '../../config/schema-policy.ts';
import { isReason } from '../../model/index.ts';
import { CRITERIA, criterionNamed } from './registry.ts';

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

describe('criteria registry', () => {
  it('registers exactly the criteria the rule schema accepts, each with the schema declared there', () => {
    assert.deepEqual(CRITERIA.map((c) => c.name).sort(), [...CRITERION_NAMES].sort());
    for (const c of CRITERIA) {
      assert.equal(c.schema, CriteriaSchemas[c.name as keyof typeof CriteriaSchemas], c.name);
      assert.equal(criterionNamed(c.name), c);
    }
  });

  it('every criterion yields a reason from the closed list', () => {
    for (const c of CRITERIA) {
      const reasons =
        typeof c.reason === 'function' ? [c.reason(true as never), c.reason(false as never)] : [c.reason];
      for (const r of reasons) assert.ok(isReason(r), `${c.name}: ${r}`);
    }
  });

  it('every criterion has its own file and test file', () => {
    for (const c of CRITERIA) {
      const base = new URL(`./${kebab(c.name)}`, import.meta.url).pathname;
      assert.ok(existsSync(`${base}.ts`), `${base}.ts`);
      assert.ok(existsSync(`${base}.test.ts`), `${base}.test.ts`);
    }
  });

  it('unknown names are not criteria', () => {
    assert.equal(criterionNamed('grups'), undefined);
    assert.equal(criterionNamed('toString'), undefined);
  });
});
