import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from '../src/cli/schema.ts';
import { ERRORS } from '../src/errors/index.ts';
import { REASONS } from '../src/model/index.ts';
import { configReference } from './config-reference.ts';

const root = join(import.meta.dirname, '..');
const BEGIN = '<!-- BEGIN GENERATED: do not edit; `npm run generate` -->';
const END = '<!-- END GENERATED -->';

function splice(file: string, table: string): string {
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a === -1 || b === -1) throw new Error(`${file}: generated markers missing`);
  return `${text.slice(0, a + BEGIN.length)}\n${table}${text.slice(b)}`;
}

/** Every derived file and the content it should have, as [absolute path, content]. */
export function generatedFiles(): [string, string][] {
  const errors = [
    '| code | status | shown to clients | meaning |',
    '| --- | --- | --- | --- |',
    ...Object.entries(ERRORS).map(
      ([code, e]) => `| \`${code}\` | ${e.status} | ${e.status < 500 ? 'yes' : 'no'} | ${e.message} |`,
    ),
    '',
  ].join('\n');
  const reasons = [
    '| reason | meaning |',
    '| --- | --- |',
    ...Object.entries(REASONS).map(([code, text]) => `| \`${code}\` | ${text} |`),
    '',
  ].join('\n');
  const schema = configJsonSchema();
  return [
    [join(root, 'docs/config.md'), splice(join(root, 'docs/config.md'), configReference(schema as never))],
    [join(root, 'config.schema.json'), `${JSON.stringify(schema, null, 2)}\n`],
    [join(root, 'docs/errors.md'), splice(join(root, 'docs/errors.md'), errors)],
    [join(root, 'docs/reasons.md'), splice(join(root, 'docs/reasons.md'), reasons)],
  ];
}
