import { readFileSync } from 'node:fs';
import { GatehouseError } from '../errors/index.ts';
import type { SecretRef } from './secret-ref.ts';

/**
 * Read a referenced secret. Trailing newlines are trimmed (files written by `echo` or
 * Kubernetes Secret volumes). The error names the reference, never the value.
 */
export function resolveSecret(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): string {
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '') {
      throw new GatehouseError('ERR_SECRET_UNRESOLVED', `environment variable ${ref.env} is not set`);
    }
    return value;
  }
  try {
    return readFileSync(ref.file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new GatehouseError('ERR_SECRET_UNRESOLVED', `cannot read secret file ${ref.file}`, { cause: err });
  }
}
