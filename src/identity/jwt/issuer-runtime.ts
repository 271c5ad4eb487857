import { fileLoader } from './jwks-file.ts';
import { discoveryLoader, jwksUrlLoader } from './jwks-remote.ts';
import { KeySource } from './key-source.ts';
import { ASYMMETRIC_ALGORITHMS, type JwtIssuerSettings } from './settings.ts';

/** An issuer ready for requests: its settings, lookup sets and key source. */
export interface IssuerRuntime {
  readonly settings: JwtIssuerSettings;
  /** Compared across config reloads: equal fingerprints mean the issuer did not change. */
  readonly fingerprint: string;
  /** The configured algorithms, filtered once more to asymmetric ones. */
  readonly algorithms: ReadonlySet<string>;
  readonly audiences: ReadonlySet<string>;
  readonly keys: KeySource;
}

export interface IssuerRuntimeOptions {
  readonly fetch: typeof fetch;
  /** How often a `jwksFile` is checked for changes, in seconds. */
  readonly fileCheckSeconds: number;
}

export function issuerFingerprint(settings: JwtIssuerSettings): string {
  return JSON.stringify(settings);
}

/**
 * Builds an issuer's runtime. `reuseKeys` (the key source of an unchanged issuer from the
 * previous config) keeps its cached keys across a reload instead of fetching them again.
 */
export function createIssuerRuntime(
  settings: JwtIssuerSettings,
  options: IssuerRuntimeOptions,
  reuseKeys?: KeySource,
): IssuerRuntime {
  const algorithms = new Set(settings.algorithms.filter((alg) => ASYMMETRIC_ALGORITHMS.has(alg)));
  return Object.freeze({
    settings,
    fingerprint: issuerFingerprint(settings),
    algorithms,
    audiences: new Set(settings.audiences),
    keys: reuseKeys ?? createKeySource(settings, algorithms, options),
  });
}

function createKeySource(
  settings: JwtIssuerSettings,
  algorithms: ReadonlySet<string>,
  options: IssuerRuntimeOptions,
): KeySource {
  const timing = {
    cacheSeconds: settings.jwksCacheSeconds,
    staleSeconds: settings.jwksStaleSeconds,
    cooldownSeconds: settings.jwksRefetchCooldownSeconds,
    timeoutMs: settings.jwksTimeoutMs,
  };
  if (settings.jwksFile !== undefined) {
    // A stat is cheap: check the file often, so a rotated key file takes effect within seconds.
    const seconds = Math.min(options.fileCheckSeconds, settings.jwksCacheSeconds);
    // Reading it is local and quick: requests wait for the check, so a key removed from the
    // file stops verifying as soon as the file is checked again (not one load later).
    return new KeySource(fileLoader(settings.jwksFile, algorithms), {
      ...timing,
      cacheSeconds: seconds,
      cooldownSeconds: Math.min(seconds, settings.jwksRefetchCooldownSeconds),
      revalidate: 'wait',
    });
  }
  const remote = { fetch: options.fetch, algorithms };
  if (settings.jwksUrl !== undefined) return new KeySource(jwksUrlLoader(settings.jwksUrl, remote), timing);
  if (settings.discovery) return new KeySource(discoveryLoader(settings.issuer, remote), timing);
  throw new Error(`issuer ${settings.name} has no key source`);
}
