/**
 * Remembers one-time credential identifiers (a JWT `jti`) until they expire, so a captured
 * token cannot be presented twice. Implementations: the bounded in-memory store
 * (memory-replay-store.ts) for one replica; a shared store (Redis) for several.
 */
export interface ReplayStore {
  /**
   * Records `key` and says whether this is its first use.
   *
   * @param key Opaque identifier, already scoped by the caller (e.g. a hash of issuer + jti).
   * @param expiresAtSeconds Epoch seconds after which the key may be forgotten (the credential
   *   can no longer be accepted anyway).
   * @param nowSeconds The injected clock, epoch seconds.
   * @returns `true` on first use, `false` when the key was seen and has not expired.
   *   Throws (or rejects) when the key cannot be recorded: callers must fail closed.
   */
  checkAndRemember(key: string, expiresAtSeconds: number, nowSeconds: number): boolean | Promise<boolean>;
}

/** Thrown by a store that cannot record a key (full, unreachable). Callers deny the request. */
export class ReplayStoreUnavailableError extends Error {
  readonly code = 'ERR_REPLAY_STORE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReplayStoreUnavailableError';
  }
}
