import { type FSWatcher, statSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Call `onChange` when any of `files` changes on disk. Watches the parent directories, not
 * the files, so atomic renames (Kubernetes ConfigMap/Secret `..data` swaps, cert-manager,
 * spiffe-helper) are seen; a cheap stat poll backs up fs.watch where events are unreliable.
 * Debounced: a burst of events gives one call.
 */
export function watchFiles(
  files: readonly string[],
  onChange: () => void,
  options: { debounceMs?: number; pollMs?: number } = {},
): () => void {
  const debounceMs = options.debounceMs ?? 150;
  const pollMs = options.pollMs ?? 2_000;
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, debounceMs);
    timer.unref();
  };
  const names = new Set(files.map((f) => basename(f)));
  const watchers: FSWatcher[] = [];
  for (const dir of new Set(files.map((f) => dirname(f)))) {
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null || names.has(name.toString()) || name.toString().startsWith('..')) fire();
      });
      w.on('error', () => {});
      watchers.push(w);
    } catch {
      // directory not watchable: the poll below still notices changes
    }
  }
  const stamp = () =>
    files
      .map((f) => {
        try {
          const s = statSync(f);
          return `${s.mtimeMs}:${s.size}:${s.ino}`;
        } catch {
          return 'missing';
        }
      })
      .join('|');
  let last = stamp();
  const poll = setInterval(() => {
    const now = stamp();
    if (now !== last) {
      last = now;
      fire();
    }
  }, pollMs);
  poll.unref();
  return () => {
    clearInterval(poll);
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
