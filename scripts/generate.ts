/**
 * Regenerate the files derived from code: config.schema.json, and the code tables in
 * docs/errors.md and docs/reasons.md (between the GENERATED markers). `npm run generate`.
 * Tests fail when a derived file is out of step, so the docs cannot drift.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { generatedFiles } from './generated.ts';

for (const [file, content] of generatedFiles()) {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {}
  if (current !== content) {
    writeFileSync(file, content);
    process.stdout.write(`updated ${file}\n`);
  }
}
