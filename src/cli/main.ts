#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { runCheck } from './check.ts';
import { runExplain } from './explain.ts';
import { runKeysGenerate } from './keys.ts';
import { runManifests } from './manifests.ts';
import { runPolicyReplay } from './policy-replay.ts';
import { runPolicyTestCommand } from './policy-test.ts';
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
        principal: { type: 'string', short: 'p' },
        sub: { type: 'string' },
        email: { type: 'string' },
        groups: { type: 'string' },
        kind: { type: 'string' },
        'spiffe-id': { type: 'string' },
        issuer: { type: 'string' },
        'auth-method': { type: 'string' },
        claims: { type: 'string' },
        header: { type: 'string', short: 'H', multiple: true },
        'source-ip': { type: 'string' },
        at: { type: 'string' },
        anonymous: { type: 'boolean' },
        'fail-on-change': { type: 'boolean' },
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
      // loaded on demand: the demo needs development dependencies (oidc-provider)
      return (await import('./demo.ts')).runDemo(out, err);
    case 'keys':
      if (parsed.positionals[0] !== 'generate')
        return usageError('usage: gatehouse keys generate [--alg ES256|EdDSA] --out FILE');
      return runKeysGenerate(
        { alg: values.alg as string | undefined, out: values.out as string | undefined },
        out,
        err,
      );
    case 'explain': {
      const request = parsed.positionals.join(' ');
      if (!config || !request)
        return usageError(
          'usage: gatehouse explain -c FILE [--sub S --groups a,b …] "GET https://host/path"',
        );
      const v = values as Record<string, string | boolean | string[] | undefined>;
      const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
      return runExplain(
        {
          config,
          request,
          headers: (v.header as string[] | undefined) ?? [],
          json: v.json === true,
          anonymous: v.anonymous === true,
          ...Object.fromEntries(
            (
              [
                ['principalFile', 'principal'],
                ['subject', 'sub'],
                ['email', 'email'],
                ['groups', 'groups'],
                ['kind', 'kind'],
                ['spiffeId', 'spiffe-id'],
                ['issuer', 'issuer'],
                ['method', 'auth-method'],
                ['claims', 'claims'],
                ['sourceIp', 'source-ip'],
                ['at', 'at'],
              ] as const
            )
              .filter(([, flag]) => str(flag) !== undefined)
              .map(([key, flag]) => [key, str(flag)]),
          ),
        },
        out,
        err,
      );
    }
    case 'policy': {
      const [sub, file] = parsed.positionals;
      if (sub === 'test') {
        if (!config || !file) return usageError('usage: gatehouse policy test -c CONFIG TESTS.yaml');
        return runPolicyTestCommand(config, file, out, err);
      }
      if (sub === 'replay') {
        if (!config || !file)
          return usageError('usage: gatehouse policy replay -c CANDIDATE.yaml DECISIONS.jsonl');
        return runPolicyReplay(
          config,
          file,
          { json: values.json === true, failOnChange: values['fail-on-change'] === true },
          out,
          err,
        );
      }
      return usageError('usage: gatehouse policy test|replay -c CONFIG FILE');
    }
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
