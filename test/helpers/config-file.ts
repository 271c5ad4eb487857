import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** A scratch directory under the OS temp dir; `remove()` deletes it and everything in it. */
export function tempDir(prefix = 'gatehouse-test-'): {
  readonly path: string;
  file(name: string): string;
  remove(): void;
} {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    file: (name) => join(path, name),
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

/**
 * A full config for tests: listener `web` on a free port, admin on a free port, audit to
 * /dev/null, then `config` on top (its keys replace these).
 */
export function testConfig(config: Record<string, unknown>): Record<string, unknown> {
  return {
    listeners: [{ name: 'web', port: 0 }],
    admin: { port: 0 },
    audit: { output: { file: '/dev/null' } },
    ...config,
  };
}

/**
 * Write a config file atomically (temporary file + rename), the way Kubernetes and editors
 * replace files, so a watcher never reads half a file. `config` may be an object (written as
 * YAML) or raw text (for invalid files).
 */
export function writeConfigFile(file: string, config: Record<string, unknown> | string): void {
  const text = typeof config === 'string' ? config : stringify(config);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
