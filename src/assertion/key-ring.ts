import type { AssertionConfig, ConfigProblem } from '../config/index.ts';
import { generateSigningKey, loadSigningKey, type SigningKey } from './signing-key.ts';

interface Entry {
  readonly key: SigningKey;
  /** Epoch seconds from which this key signs. */
  readonly activateAt: number;
  /** Epoch seconds when a reload removed it; it stays published until its last assertion expired. */
  readonly removedAt?: number;
}

export interface PreparedKeys {
  readonly problems: ConfigProblem[];
  /** Apply the prepared key set (call only when the whole config was accepted). */
  commit(): void;
}

/**
 * The signing keys across config reloads. Rotation:
 * - a key present at start-up signs at once (or at its `activateAt`);
 * - a key added by a reload is published at once and signs `leadSeconds` later, so verifiers
 *   that cache the JWKS learn it before they see it;
 * - a key removed by a reload stays in the JWKS for `ttlSeconds` + 60 s, until the last
 *   assertion it signed has expired.
 * Without configured keys, one ephemeral key is generated in memory (single replica only).
 */
export class KeyRing {
  #entries: Entry[] = [];
  #ttlSeconds = 60;
  #leadSeconds = 300;
  #ephemeral?: SigningKey;
  #started = false;

  /** Load the keys a config names; nothing changes until `commit()`. */
  prepare(config: AssertionConfig, nowSeconds: number): PreparedKeys {
    const problems: ConfigProblem[] = [];
    const next: Entry[] = [];
    const initial = !this.#started;
    const previous = new Map(
      this.#entries.filter((e) => e.removedAt === undefined).map((e) => [e.key.kid, e]),
    );
    const seen = new Set<string>();
    config.keys.forEach((k, i) => {
      let key: SigningKey;
      try {
        key = loadSigningKey(k.file, k.kid);
      } catch (err) {
        problems.push({
          severity: 'error',
          pointer: `/assertion/keys/${i}/file`,
          message: (err as Error).message,
        });
        return;
      }
      if (seen.has(key.kid)) {
        problems.push({
          severity: 'error',
          pointer: `/assertion/keys/${i}`,
          message: `duplicate key id "${key.kid}"`,
        });
        return;
      }
      seen.add(key.kid);
      const configured = k.activateAt ? Date.parse(k.activateAt) / 1000 : undefined;
      const before = previous.get(key.kid);
      const activateAt =
        configured ?? before?.activateAt ?? (initial ? nowSeconds : nowSeconds + config.leadSeconds);
      next.push({ key, activateAt });
    });
    if (config.keys.length === 0) {
      if (!this.#ephemeral || this.#ephemeral.alg !== config.algorithm)
        this.#ephemeral = generateSigningKey(config.algorithm);
      next.push({
        key: this.#ephemeral,
        activateAt: initial ? nowSeconds : (previous.get(this.#ephemeral.kid)?.activateAt ?? nowSeconds),
      });
      problems.push({
        severity: 'warning',
        code: 'ephemeral-assertion-key',
        pointer: '/assertion/keys',
        message:
          'no assertion keys configured: an ephemeral in-memory key signs (fine for one replica; configure keys for more)',
      });
    } else if (next.length > 0 && next.every((e) => e.activateAt > nowSeconds) && initial) {
      problems.push({
        severity: 'warning',
        code: 'no-active-assertion-key',
        pointer: '/assertion/keys',
        message: 'no key is active yet: the earliest one signs until another activates',
      });
    }
    return {
      problems,
      commit: () => {
        const removed: Entry[] = [];
        const keep = new Set(next.map((e) => e.key.kid));
        for (const e of this.#entries) {
          if (keep.has(e.key.kid)) continue;
          removed.push(e.removedAt === undefined ? { ...e, removedAt: nowSeconds } : e);
        }
        this.#entries = [...next, ...removed];
        this.#ttlSeconds = config.ttlSeconds;
        this.#leadSeconds = config.leadSeconds;
        this.#started = true;
      },
    };
  }

  /** The key that signs now: the most recently activated live key (the earliest if none is active yet). */
  signingKey(nowSeconds: number): SigningKey {
    let best: Entry | undefined;
    let earliest: Entry | undefined;
    for (const e of this.#entries) {
      if (e.removedAt !== undefined) continue;
      if (!earliest || e.activateAt < earliest.activateAt) earliest = e;
      if (e.activateAt <= nowSeconds && (!best || e.activateAt >= best.activateAt)) best = e;
    }
    const chosen = best ?? earliest;
    if (!chosen) throw new Error('no assertion signing key');
    return chosen.key;
  }

  /** The public keys to publish now. */
  jwks(nowSeconds: number): { keys: Record<string, string>[] } {
    const keys: Record<string, string>[] = [];
    for (const e of this.#entries) {
      if (e.removedAt !== undefined && nowSeconds > e.removedAt + this.#ttlSeconds + 60) continue;
      keys.push({ ...e.key.publicJwk });
    }
    return { keys };
  }

  /** JWKS cache lifetime: verifiers must re-read at least twice per lead period. */
  get jwksMaxAgeSeconds(): number {
    return Math.min(300, Math.floor(this.#leadSeconds / 2));
  }
}
