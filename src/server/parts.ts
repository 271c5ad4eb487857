import type { Config, ConfigProblem } from '../config/index.ts';
import type { Engine, EngineParts } from '../decision/index.ts';
import {
  type Authenticator,
  createJwtAuthenticator,
  createMtlsAuthenticator,
  type JwtAuthenticator,
} from '../identity/index.ts';
import { type CompiledPolicy, compilePolicy, isOpenPolicy, lintPolicy } from '../policy/index.ts';
import { MemoryReplayStore, type ReplayStore } from '../state/index.ts';

export interface PartsOptions {
  /** Build for `gatehouse check`: no file watchers, no background fetches. */
  readonly checkOnly?: boolean;
  /** Shared across reloads so a reload never forgets which jti were used. */
  readonly replayStore?: ReplayStore;
  /** Extra authenticators (the SSO session authenticator), asked after the built-in ones. */
  readonly extraAuthenticators?: (config: Config) => Authenticator[];
}

/**
 * The one place where pluggable rooms register with the engine: the policy compiler and the
 * authenticator factories. Authenticators are asked in this order: client certificate
 * (mTLS), bearer JWT, then session cookie.
 */
export function engineParts(options: PartsOptions = {}): EngineParts {
  const replayStore = options.replayStore ?? new MemoryReplayStore();
  // identical inline policies (routes often repeat one) compile once per build: less memory,
  // and a decision over many routes stays in cache
  let inlineCache = new Map<string, CompiledPolicy>();
  return {
    compilePolicies(config) {
      const problems: ConfigProblem[] = [];
      const named: Record<string, CompiledPolicy> = {};
      inlineCache = new Map();
      for (const [name, policy] of Object.entries(config.policies)) {
        const pointer = `/policies/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;
        const r = compilePolicy(policy, { pointer, name, prevalidated: true });
        if (r.errors)
          for (const e of r.errors)
            problems.push({ severity: 'error', pointer: e.pointer, message: e.message });
        else named[name] = r.policy;
        for (const w of lintPolicy(policy, pointer)) problems.push({ severity: 'warning', ...w });
      }
      return { named, problems };
    },
    compilePolicy(route, index, config, named) {
      const problems: ConfigProblem[] = [];
      if (route.policy === undefined) return { problems };
      const pointer = `/routes/${index}/policy`;
      const key = typeof route.policy === 'string' ? undefined : JSON.stringify(route.policy);
      const shared = key !== undefined ? inlineCache.get(key) : undefined;
      const r = shared
        ? { policy: shared }
        : compilePolicy(route.policy, {
            pointer,
            namedPolicies: named as Record<string, CompiledPolicy>,
            prevalidated: true,
          });
      if (r.errors) {
        for (const e of r.errors)
          problems.push({ severity: 'error', pointer: e.pointer, message: e.message });
        return { problems };
      }
      if (key !== undefined && !shared) inlineCache.set(key, r.policy);
      if (typeof route.policy !== 'string') {
        for (const w of lintPolicy(route.policy, pointer)) problems.push({ severity: 'warning', ...w });
      }
      if (isOpenPolicy(r.policy) && (route.match.host === '*' || route.match.host.startsWith('*.'))) {
        problems.push({
          severity: 'warning',
          code: 'open-wildcard-route',
          pointer,
          message: `wildcard host "${route.match.host}" with an open policy: every sub-domain is reachable by anyone authenticated`,
        });
      }
      if (route.mode === 'audit') {
        problems.push({
          severity: 'warning',
          code: 'audit-mode',
          pointer: `/routes/${index}/mode`,
          message: 'audit mode: denied requests are logged as would-deny and let through',
        });
      }
      void config;
      return { policy: r.policy, problems };
    },
    buildAuthenticators(config: Config, previous?: Engine) {
      const problems: ConfigProblem[] = [];
      const authenticators: Authenticator[] = [];
      const mtls = config.identity.mtls;
      if (mtls) {
        try {
          authenticators.push(createMtlsAuthenticator(mtls, { watch: !options.checkOnly }));
        } catch (err) {
          const e = err as Error & { pointer?: string };
          problems.push({
            severity: 'error',
            pointer: e.pointer ?? '/identity/mtls/trustDomains',
            message: e.message,
          });
        }
      }
      if (config.identity.jwt.length > 0) {
        const prev = previous?.authenticators.find((a) => a.name === 'jwt') as JwtAuthenticator | undefined;
        try {
          authenticators.push(
            createJwtAuthenticator(
              config.identity.jwt,
              {
                replayStore,
                tokenCacheSize: config.identity.jwtTokenCacheSize,
                ...(options.checkOnly ? { fileCheckSeconds: 0 } : {}),
              },
              prev,
            ),
          );
        } catch (err) {
          problems.push({ severity: 'error', pointer: '/identity/jwt', message: (err as Error).message });
        }
      }
      if (options.extraAuthenticators) authenticators.push(...options.extraAuthenticators(config));
      return { authenticators, problems };
    },
  };
}
