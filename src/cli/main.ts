#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { runCheck } from './check.ts';
import { runDemo } from './demo.ts';
import { runKeysGenerate } from './keys.ts';
import { runManifests } from './manifests.ts';
import { configJsonSchema } from './schema.ts';
import { runServe } from './serve.ts';
import { USAGE } from './usage.ts';

const out = (s: string) => process.stdout.write(`${s}\n`);
const err = (s: string) => process.stderr.write(`${s}\n`);

/** Entry point: parse the command line and run one command; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  // `manifests` has its own flags (--namespace, --pod-label, ...): it parses its arguments itself.
  if (command === 'manifests') return runManifests(rest, out, err);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...rest],
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        alg: { type: 'string' },
        out: { type: 'string', short: 'o' },
      },
    });
  } catch (e) {
    err(`gatehouse: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values } = parsed;
  const config = values.config as string | undefined;
  switch (command) {
    case 'serve':
      if (!config) return usageError('serve needs -c FILE');
      return runServe(config, err);
    case 'check':
      if (!config) return usageError('check needs -c FILE');
      return runCheck(config, out, values.json === true);
    case 'demo':
      return runDemo(out, err);
    case 'keys':
      if (parsed.positionals[0] !== 'generate')
        return usageError('usage: gatehouse keys generate [--alg ES256|EdDSA] --out FILE');
      return runKeysGenerate(
        { alg: values.alg as string | undefined, out: values.out as string | undefined },
        out,
        err,
      );
    case 'schema':
      out(JSON.stringify(configJsonSchema(), null, 2));
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out(USAGE);
      return command === undefined ? 2 : 0;
    default:
      return usageError(`unknown command "${command}"`);
  }
}

function usageError(message: string): number {
  err(`gatehouse: ${message}\n\n${USAGE}`);
  return 2;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      err(`gatehouse: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
