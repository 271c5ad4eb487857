export { MemoryReplayStore, type MemoryReplayStoreOptions } from './memory-replay-store.ts';
export { type ReplayStore, ReplayStoreUnavailableError } from './replay-store.ts';
