// discovered jwks_uris are held to the config's rule for key URLs (https, or http to loopback)
import { isAllowedKeyUrl } from '../../config/index.ts';
import { isPlainObject } from './json-value.ts';
import { keysFromJwks } from './key-set.ts';
import type { KeyLoader } from './key-source.ts';

/** Largest JWKS or discovery document read, in bytes. */
export const MAX_DOCUMENT_BYTES = 512 * 1024;

export interface RemoteLoaderOptions {
  readonly fetch: typeof fetch;
  readonly algorithms: ReadonlySet<string>;
}

/** A loader that fetches a JWKS from `url`. */
export function jwksUrlLoader(url: string, options: RemoteLoaderOptions): KeyLoader {
  return async (signal) => keysFromJwks(await fetchJson(url, options.fetch, signal), options.algorithms);
}

/**
 * A loader that reads `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery
 * 1.0 §4), checks that its `issuer` is exactly the configured one (§4.3), then fetches the
 * JWKS from its `jwks_uri`. When discovery fails but a `jwks_uri` was found before, that one
 * is used: a broken discovery endpoint does not take working keys away.
 */
export function discoveryLoader(issuer: string, options: RemoteLoaderOptions): KeyLoader {
  const configurationUrl = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let knownJwksUri: string | undefined;
  return async (signal) => {
    try {
      const doc = await fetchJson(configurationUrl, options.fetch, signal);
      if (!isPlainObject(doc)) throw new Error('discovery document is not a JSON object');
      if (doc.issuer !== issuer) throw new Error('discovery document names another issuer');
      if (typeof doc.jwks_uri !== 'string' || !isAllowedKeyUrl(doc.jwks_uri)) {
        throw new Error('discovery document has no acceptable jwks_uri (https, or http to loopback)');
      }
      knownJwksUri = doc.jwks_uri;
    } catch (err) {
      if (knownJwksUri === undefined || signal.aborted) throw err;
    }
    return keysFromJwks(await fetchJson(knownJwksUri, options.fetch, signal), options.algorithms);
  };
}

async function fetchJson(url: string, fetchFn: typeof fetch, signal: AbortSignal): Promise<unknown> {
  if (!isAllowedKeyUrl(url))
    throw new Error('refusing to fetch keys from a URL that is not https (or loopback http)');
  const response = await fetchFn(url, {
    signal,
    // A redirect could lead to plain http or another host: key URLs must be given exactly.
    redirect: 'error',
    headers: { accept: 'application/jwk-set+json, application/json' },
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`key endpoint answered HTTP ${response.status}`);
  }
  return JSON.parse(await readLimited(response, MAX_DOCUMENT_BYTES));
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new Error(`key document larger than ${maxBytes} bytes`);
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new Error(`key document larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
