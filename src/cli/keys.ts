import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { signingKeyFrom } from '../assertion/index.ts';

/**
 * `gatehouse keys generate [--alg ES256|EdDSA] --out FILE`: write a new assertion signing key
 * (PKCS#8 PEM, mode 0600; refuses to overwrite) and print its kid and public JWK.
 */
export function runKeysGenerate(
  options: { alg?: string; out?: string },
  out: (s: string) => void,
  err: (s: string) => void,
): number {
  const alg = options.alg ?? 'ES256';
  if (alg !== 'ES256' && alg !== 'EdDSA') {
    err(`gatehouse keys generate: --alg must be ES256 or EdDSA, not ${alg}`);
    return 2;
  }
  if (!options.out) {
    err('gatehouse keys generate: --out FILE is required (the private key is never printed)');
    return 2;
  }
  const { privateKey } =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  try {
    writeFileSync(options.out, privateKey.export({ format: 'pem', type: 'pkcs8' }), {
      mode: 0o600,
      flag: 'wx',
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    err(
      `gatehouse keys generate: cannot write ${options.out}${code === 'EEXIST' ? ': file exists (not overwritten)' : ` (${code})`}`,
    );
    return 1;
  }
  const key = signingKeyFrom(privateKey);
  out(`wrote ${alg} signing key to ${options.out}`);
  out(`kid: ${key.kid}`);
  out(`add to your config:\n  assertion:\n    keys:\n      - file: ${options.out}`);
  return 0;
}
