export { MemoryReplayStore, type MemoryReplayStoreOptions } from './memory-replay-store.ts';
export {
  copySessionRecord,
  MemorySessionStore,
  type MemorySessionStoreOptions,
} from './memory-session-store.ts';
export { type ReplayStore, ReplayStoreUnavailableError } from './replay-store.ts';
export { type SessionRecord, type SessionStore, SessionStoreFullError } from './session-store.ts';
export { SqliteSessionStore, type SqliteSessionStoreOptions } from './sqlite-session-store.ts';
