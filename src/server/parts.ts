import type { EngineParts } from '../decision/index.ts';

/**
 * The one place where pluggable rooms register with the engine: the policy compiler and
 * the authenticator factories. `checkOnly` builds without starting watchers or fetches.
 */
export function engineParts(_options: { checkOnly?: boolean } = {}): EngineParts {
  return {};
}
