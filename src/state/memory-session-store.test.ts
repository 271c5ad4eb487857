import { MemorySessionStore } from './memory-session-store.ts';
import { sessionStoreConformance } from './session-store.conformance.ts';

sessionStoreConformance('MemorySessionStore', (o) => new MemorySessionStore(o));
