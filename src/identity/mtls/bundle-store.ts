import { hash } from 'node:crypto';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { GatehouseError } from '../../errors/index.ts';
import { parseBundlePem } from './bundle.ts';
import type { CertNode } from './cert-node.ts';
import type { TrustBundles } from './svid.ts';

/**
 * The trust bundles of the configured trust domains, kept current while files change.
 *
 * SPIRE's spiffe-helper, csi-driver-spiffe and Kubernetes volume mounts replace bundle files
 * by atomic rename (often of a `..data` symlink), which a watch on the file itself misses.
 * So the store watches each bundle's directory, debounces the events, and re-reads the
 * files; a slow poll backs the watch up on file systems that do not report events. A file
 * whose content did not change is not parsed again. A new file that fails to parse never
 * replaces the last good bundle: it is reported through `onEvent` and ignored.
 */

export interface TrustDomainSource {
  readonly name: string;
  readonly bundleFile: string;
}

export interface BundleSnapshot {
  /** Increases by one every time any bundle changes. */
  readonly generation: number;
  readonly bundles: TrustBundles;
  /** PEM of every trust anchor of every trust domain, deduplicated (the CertificateRequest CA list). */
  readonly caPem: string;
}

export type BundleEvent =
  | {
      readonly type: 'bundle-reloaded';
      readonly trustDomain: string;
      readonly file: string;
      readonly certificates: number;
    }
  | {
      readonly type: 'bundle-reload-failed';
      readonly trustDomain: string;
      readonly file: string;
      /** Why; never the file's content. */
      readonly error: string;
    };

export interface BundleStoreOptions {
  /** Watch the bundles' directories and poll (default true). Tests pass false and call `reload()`. */
  readonly watch?: boolean;
  /** Quiet time after the last file event before re-reading, in ms (default 250). */
  readonly debounceMs?: number;
  /** Re-read every bundle this often even without file events, in ms; 0 disables (default 30000). */
  readonly pollIntervalMs?: number;
  /** Told about every reload outcome, for logs and metrics. Must not throw. */
  readonly onEvent?: (event: BundleEvent) => void;
  /** JSON pointer of the trust domain list in the config, for start-up errors (default `/identity/mtls/trustDomains`). */
  readonly configPointer?: string;
}

export interface BundleStore {
  current(): BundleSnapshot;
  /** Re-read every bundle file now; resolves when done (queued behind a reload in progress). */
  reload(): Promise<void>;
  /** Called with the new snapshot after a bundle changed. Returns an unsubscribe function. */
  onChange(listener: (snapshot: BundleSnapshot) => void): () => void;
  /** Stop watching and polling. */
  close(): void;
}

interface DomainState {
  readonly source: TrustDomainSource;
  anchors: readonly CertNode[];
  contentHash: string;
  /** Hash of the last content that failed to parse (or the read error code), so a broken file is reported once. */
  failedMarker?: string;
}

function buildSnapshot(generation: number, states: readonly DomainState[]): BundleSnapshot {
  const bundles = new Map<string, readonly CertNode[]>();
  const seen = new Set<string>();
  let caPem = '';
  for (const s of states) {
    bundles.set(s.source.name, s.anchors);
    for (const a of s.anchors) {
      if (seen.has(a.fingerprint)) continue;
      seen.add(a.fingerprint);
      caPem += a.x509.toString();
    }
  }
  return Object.freeze({ generation, bundles, caPem });
}

/**
 * Load every bundle now (synchronously: this runs while a config snapshot is built) and
 * keep them current. Throws `ERR_CONFIG_INVALID` naming the trust domain's JSON pointer when
 * a bundle cannot be read, is empty, or holds anything but CA certificates.
 */
export function loadBundleStore(
  sources: readonly TrustDomainSource[],
  options: BundleStoreOptions = {},
): BundleStore {
  const pointer = options.configPointer ?? '/identity/mtls/trustDomains';
  const states: DomainState[] = sources.map((source, i) => {
    let text: string;
    try {
      text = readFileSync(source.bundleFile, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new GatehouseError(
        'ERR_CONFIG_INVALID',
        `${pointer}/${i}/bundleFile: trust bundle ${source.bundleFile} cannot be read (${code})`,
        { cause: err },
      );
    }
    try {
      return { source, anchors: parseBundlePem(text), contentHash: hash('sha256', text) };
    } catch (err) {
      throw new GatehouseError(
        'ERR_CONFIG_INVALID',
        `${pointer}/${i}/bundleFile: trust bundle ${source.bundleFile} for ${source.name}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  });

  let snapshot = buildSnapshot(1, states);
  const listeners = new Set<(s: BundleSnapshot) => void>();
  let closed = false;
  const emit = (event: BundleEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // An observer's failure must not stop a reload.
    }
  };

  async function reloadOnce(): Promise<void> {
    if (closed) return;
    let changed = false;
    for (const state of states) {
      const { name, bundleFile } = state.source;
      let text: string;
      try {
        text = await readFile(bundleFile, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        if (state.failedMarker !== code) {
          state.failedMarker = code;
          emit({
            type: 'bundle-reload-failed',
            trustDomain: name,
            file: bundleFile,
            error: `cannot be read (${code})`,
          });
        }
        continue;
      }
      const contentHash = hash('sha256', text);
      if (contentHash === state.contentHash) {
        state.failedMarker = undefined;
        continue;
      }
      if (contentHash === state.failedMarker) continue;
      try {
        state.anchors = parseBundlePem(text);
        state.contentHash = contentHash;
        state.failedMarker = undefined;
        changed = true;
        emit({
          type: 'bundle-reloaded',
          trustDomain: name,
          file: bundleFile,
          certificates: state.anchors.length,
        });
      } catch (err) {
        state.failedMarker = contentHash;
        emit({
          type: 'bundle-reload-failed',
          trustDomain: name,
          file: bundleFile,
          error: (err as Error).message,
        });
      }
    }
    if (changed && !closed) {
      snapshot = buildSnapshot(snapshot.generation + 1, states);
      for (const listener of listeners) {
        try {
          listener(snapshot);
        } catch {
          // A listener's failure must not stop the others.
        }
      }
    }
  }

  let queue: Promise<void> = Promise.resolve();
  const reload = (): Promise<void> => {
    queue = queue.then(reloadOnce, reloadOnce);
    return queue;
  };

  const watchers: FSWatcher[] = [];
  let debounce: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  if (options.watch ?? true) {
    const debounceMs = options.debounceMs ?? 250;
    const schedule = () => {
      if (closed) return;
      clearTimeout(debounce);
      debounce = setTimeout(() => void reload(), debounceMs);
      debounce.unref();
    };
    for (const dir of new Set(sources.map((s) => dirname(resolve(s.bundleFile))))) {
      try {
        const w = watch(dir, { persistent: false }, schedule);
        // A watch that breaks (directory removed) leaves the poll to notice changes.
        w.on('error', () => w.close());
        watchers.push(w);
      } catch {
        // Some file systems cannot be watched; the poll covers them.
      }
    }
    const pollIntervalMs = options.pollIntervalMs ?? 30_000;
    if (pollIntervalMs > 0) {
      poll = setInterval(() => void reload(), pollIntervalMs);
      poll.unref();
    }
  }

  return {
    current: () => snapshot,
    reload,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closed = true;
      clearTimeout(debounce);
      clearInterval(poll);
      for (const w of watchers) w.close();
      listeners.clear();
    },
  };
}
