import type { Principal, RequestInfo } from '../../model/index.ts';
import { type Authenticator, type AuthnResult, NOT_MINE } from '../authenticator.ts';
import { type BundleSnapshot, type BundleStoreOptions, loadBundleStore } from './bundle-store.ts';
import { type CertNode, certFingerprint, parseCertNode } from './cert-node.ts';
import { Lru } from './lru.ts';
import { peerChain } from './peer-chain.ts';
import { verifyX509Svid } from './svid.ts';
import { principalAt, type SvidIdentity, svidIdentity } from './svid-principal.ts';

/**
 * The mTLS authenticator: the client certificate the TLS layer received (unverified: the
 * listener runs with `rejectUnauthorized: false`) is verified here as an X.509-SVID against
 * the bundle of its own trust domain.
 *
 * Verified leaves are cached by their SHA-256 fingerprint, not by leaf + chain: once any path
 * from a leaf to a trust anchor has been verified (with the current bundles, inside every
 * certificate's validity), the leaf is genuine whatever chain comes with it later. That is
 * what makes resumed TLS sessions work: OpenSSL keeps only the leaf of a resumed session, so
 * its intermediates are gone. For the same reason intermediates of verified paths are
 * remembered (as untrusted candidates, like presented ones) for when the cache is cold.
 */

/** Structurally the `identity.mtls` config (src/config/schema-mtls.ts) after defaults. */
export interface MtlsAuthenticatorConfig {
  readonly trustDomains: readonly {
    readonly name: string;
    readonly bundleFile: string;
    /** `/ns/<ns>/sa/<sa>` IDs of this domain are Kubernetes service accounts (default false). */
    readonly kubernetes?: boolean;
  }[];
  /** Only `spiffe` for now (default). */
  readonly subjectFrom?: 'spiffe';
}

export interface MtlsAuthenticatorDeps extends BundleStoreOptions {
  /** Verified-leaf cache entries (default 4096; 0 disables the cache). */
  readonly cacheSize?: number;
  /** Intermediates remembered from verified paths (default 256). */
  readonly knownIntermediatesSize?: number;
  /** Longest certificate path, leaf and trust anchor included (default 8). */
  readonly maxChainLength?: number;
}

export interface MtlsAuthenticator extends Authenticator {
  readonly name: 'mtls';
  /** The current bundles (for the listener's CA list). */
  bundles(): BundleSnapshot;
  /** Called after a bundle changed. Returns an unsubscribe function. */
  onBundlesChange(listener: (snapshot: BundleSnapshot) => void): () => void;
  /** Re-read the bundle files now (tests; an admin "reload" command). */
  reloadBundles(): Promise<void>;
  /** Cache counters since start (for tests and metrics). */
  cacheStats(): { readonly hits: number; readonly misses: number; readonly size: number };
  close(): void;
}

interface CacheEntry {
  readonly identity: SvidIdentity;
  readonly generation: number;
  readonly validFrom: number;
  readonly validUntil: number;
}

/**
 * Create the mTLS authenticator. Loads every trust bundle synchronously and throws
 * `ERR_CONFIG_INVALID` (with the JSON pointer of the trust domain) when one is unreadable,
 * empty or not a CA bundle; afterwards bundles reload on change and a bad file keeps the
 * last good bundle.
 *
 * `authenticate` returns `not-mine` without a client certificate, `denied` with a `cert-*`
 * reason for a bad one, and the workload principal for a valid SVID. It never throws.
 */
/**
 * One principal object per verified identity, renewed each minute (authTime moves on): caches
 * keyed by principal (assertion reuse, audit serialisation) then hit for mTLS callers too.
 */
const PRINCIPAL_REFRESH_SECONDS = 60;
const principals = new WeakMap<SvidIdentity, Principal>();
function principalFor(identity: SvidIdentity, nowSeconds: number): Principal {
  const p = principals.get(identity);
  if (
    p &&
    p.authTime !== undefined &&
    nowSeconds - p.authTime < PRINCIPAL_REFRESH_SECONDS &&
    nowSeconds >= p.authTime
  )
    return p;
  const fresh = principalAt(identity, nowSeconds);
  principals.set(identity, fresh);
  return fresh;
}

export function createMtlsAuthenticator(
  config: MtlsAuthenticatorConfig,
  deps: MtlsAuthenticatorDeps = {},
): MtlsAuthenticator {
  const store = loadBundleStore(config.trustDomains, deps);
  const kubernetesDomains = new Set(config.trustDomains.filter((d) => d.kubernetes).map((d) => d.name));
  const cacheSize = deps.cacheSize ?? 4096;
  const cache = cacheSize > 0 ? new Lru<string, CacheEntry>(cacheSize) : undefined;
  const known = new Lru<string, CertNode>(deps.knownIntermediatesSize ?? 256);
  let hits = 0;
  let misses = 0;
  store.onChange(() => cache?.clear());

  function verify(request: RequestInfo, nowSeconds: number): AuthnResult {
    const presented = request.clientCertificate as object | undefined | null;
    // Node gives `{}` when the client sent no certificate.
    if (presented === undefined || presented === null || !('raw' in presented)) return NOT_MINE;
    const chain = peerChain(request.clientCertificate);
    if (!chain)
      return { status: 'denied', reason: 'cert-invalid', detail: 'mtls: client certificate without DER' };
    const fingerprint = certFingerprint(chain.leaf);
    const snapshot = store.current();
    const hit = cache?.get(fingerprint);
    if (hit) {
      if (
        hit.generation === snapshot.generation &&
        nowSeconds >= hit.validFrom &&
        nowSeconds <= hit.validUntil
      ) {
        hits++;
        return { status: 'authenticated', principal: principalFor(hit.identity, nowSeconds) };
      }
      cache?.delete(fingerprint);
    }
    misses++;
    let leaf: CertNode;
    try {
      leaf = parseCertNode(chain.leaf, fingerprint);
    } catch (err) {
      return {
        status: 'denied',
        reason: 'cert-invalid',
        detail: `mtls: leaf cannot be parsed: ${(err as Error).message}`,
      };
    }
    const result = verifyX509Svid({
      leaf,
      intermediates: chain.intermediates,
      knownIntermediates: known.values(),
      nowSeconds,
      bundles: snapshot.bundles,
      maxChainLength: deps.maxChainLength,
    });
    if (!result.ok) return { status: 'denied', reason: result.reason, detail: `mtls: ${result.detail}` };
    const { svid } = result;
    for (const c of svid.intermediates) known.set(c.fingerprint, c);
    const identity = svidIdentity(svid, kubernetesDomains.has(svid.spiffeId.trustDomain));
    cache?.set(fingerprint, {
      identity,
      generation: snapshot.generation,
      validFrom: svid.validFrom,
      validUntil: svid.validUntil,
    });
    return { status: 'authenticated', principal: principalFor(identity, nowSeconds) };
  }

  return {
    name: 'mtls',
    authenticate(request, nowSeconds) {
      try {
        return verify(request, nowSeconds);
      } catch (err) {
        return {
          status: 'denied',
          reason: 'internal-error',
          detail: `mtls: ${(err as Error)?.message ?? String(err)}`,
        };
      }
    },
    bundles: () => store.current(),
    onBundlesChange: (listener) => store.onChange(listener),
    reloadBundles: () => store.reload(),
    cacheStats: () => ({ hits, misses, size: cache?.size ?? 0 }),
    close: () => store.close(),
  };
}
