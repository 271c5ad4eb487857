import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { it } from 'node:test';
import { generatedFiles } from './generated.ts';

it('config.schema.json, docs/errors.md and docs/reasons.md are in step with the code (run `npm run generate`)', () => {
  for (const [file, content] of generatedFiles()) {
    assert.equal(
      readFileSync(file, 'utf8'),
      content,
      `${relative(process.cwd(), file)} is stale: run npm run generate`,
    );
  }
});
