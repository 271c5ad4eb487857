export { decide, letsThrough, type Verdict } from './decide.ts';
export { type BuildResult, buildEngine, type Engine, type EngineParts } from './engine.ts';
export type { CompiledRoute, RoutePolicy } from './route.ts';
export { simulate, simulateSync } from './simulate.ts';
export { isAuthenticationFailure, loginMayHelp, statusFor } from './status.ts';
