import { readFile, stat } from 'node:fs/promises';
import { keysFromJwks, keysFromPem, type VerificationKey } from './key-set.ts';
import type { KeyLoader } from './key-source.ts';

const MAX_FILE_BYTES = 512 * 1024;

/**
 * A loader for a local key file: a JWKS (JSON) or PEM public keys / certificates. The file is
 * read again only when its size, modification time or inode changed, so checking it often is
 * one `stat`. Atomic replacement (write + rename, or the Kubernetes ConfigMap symlink swap) is
 * seen as a change. A missing or broken file is a failed load: the last good keys stay in use
 * for the stale window.
 */
export function fileLoader(path: string, algorithms: ReadonlySet<string>): KeyLoader {
  let lastStamp = '';
  let lastKeys: readonly VerificationKey[] = [];
  return async () => {
    const info = await stat(path);
    if (info.size > MAX_FILE_BYTES) throw new Error(`key file larger than ${MAX_FILE_BYTES} bytes`);
    const stamp = `${info.ino}:${info.size}:${info.mtimeMs}`;
    if (stamp === lastStamp) return lastKeys;
    const text = await readFile(path, 'utf8');
    const keys = text.includes('-----BEGIN ')
      ? keysFromPem(text, algorithms)
      : keysFromJwks(JSON.parse(text), algorithms);
    lastStamp = stamp;
    lastKeys = keys;
    return keys;
  };
}
