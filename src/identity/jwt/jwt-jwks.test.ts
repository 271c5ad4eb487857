/**
 * Key fetching against a real JWKS server on 127.0.0.1: rotation, cooldown, outage, slow
 * answers, discovery, and local key files. Each test has its own server and clock.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportPKCS8, importPKCS8 } from 'jose';
import {
  authn,
  claimsFor,
  type Harness,
  issuerSettings,
  jwksOf,
  makeKey,
  NOW,
  outcome,
  sign,
  startHarness,
} from './fixtures.ts';
import { createJwtAuthenticator } from './jwt-authenticator.ts';

/** A token valid for an hour from `at`, with a unique jti so it is never served from the cache. */
let serial = 0;
function fresh(issuer: string, at = NOW) {
  return claimsFor(issuer, { iat: at, exp: at + 3600, jti: `t${serial++}` });
}

describe('JWKS rotation', () => {
  it('refetches on an unknown kid, at most once per cooldown', async () => {
    const h = await startHarness();
    try {
      assert.equal(outcome(await authn(h.auth, await sign(h.keys.RS256!, fresh(h.issuer)))), 'authenticated');
      assert.equal(h.server.hits.get('/jwks'), 1);

      const next = await makeKey('RS256', 'rs256-2');
      h.server.jwks = jwksOf(h.keys.RS256!, next);
      // Within the cooldown of the first fetch (30 s): no refetch, the new kid is unknown.
      assert.equal(
        outcome(await authn(h.auth, await sign(next, fresh(h.issuer)), NOW + 10)),
        'token-key-not-found',
      );
      assert.equal(h.server.hits.get('/jwks'), 1);
      // After the cooldown: one refetch finds it.
      assert.equal(
        outcome(await authn(h.auth, await sign(next, fresh(h.issuer)), NOW + 30)),
        'authenticated',
      );
      assert.equal(h.server.hits.get('/jwks'), 2);
      // A kid that never appears: refetches are rate-limited, not one per request.
      const stranger = await makeKey('RS256', 'rs256-x');
      for (let i = 0; i < 5; i++) {
        const result = await authn(h.auth, await sign(stranger, fresh(h.issuer)), NOW + 31 + i);
        assert.equal(outcome(result), 'token-key-not-found');
      }
      assert.equal(h.server.hits.get('/jwks'), 2);
      await authn(h.auth, await sign(stranger, fresh(h.issuer)), NOW + 61);
      assert.equal(h.server.hits.get('/jwks'), 3);
    } finally {
      await h.close();
    }
  });

  it('drops cached tokens whose key was removed from the JWKS', async () => {
    const h = await startHarness();
    try {
      const token = await sign(h.keys.RS256!, fresh(h.issuer));
      assert.equal(outcome(await authn(h.auth, token)), 'authenticated');
      assert.equal(h.verifications(), 1);
      const next = await makeKey('RS256', 'rs256-2');
      h.server.jwks = jwksOf(next);
      // Past freshness, a cache hit starts a background refetch...
      assert.equal(outcome(await authn(h.auth, token, NOW + 301)), 'authenticated');
      // ...which an unknown-kid lookup joins, so the new key set is in place after it.
      await authn(h.auth, await sign(await makeKey('RS256', 'other'), fresh(h.issuer)), NOW + 302);
      assert.equal(h.server.hits.get('/jwks'), 2);
      // The old key is gone: the cached token is verified again, and fails.
      assert.equal(outcome(await authn(h.auth, token, NOW + 303)), 'token-key-not-found');
    } finally {
      await h.close();
    }
  });

  it('matches keys without kid by key type and algorithm', async () => {
    const h = await startHarness({ algorithms: [] });
    try {
      const rsa = await makeKey('RS256', null, false);
      const ec = await makeKey('ES256', null, false);
      h.server.jwks = jwksOf(rsa, ec);
      assert.equal(outcome(await authn(h.auth, await sign(ec, fresh(h.issuer)))), 'authenticated');
      assert.equal(outcome(await authn(h.auth, await sign(rsa, fresh(h.issuer)))), 'authenticated');
      assert.equal(h.verifications(), 2, 'the key of the other type was not tried');
    } finally {
      await h.close();
    }
  });

  it('ignores keys whose use is not sig', async () => {
    const h = await startHarness();
    try {
      h.server.jwks = {
        keys: [{ ...h.keys.RS256!.publicJwk, use: 'enc' }, (await makeKey('ES256')).publicJwk],
      };
      assert.equal(
        outcome(await authn(h.auth, await sign(h.keys.RS256!, fresh(h.issuer)))),
        'token-key-not-found',
      );
    } finally {
      await h.close();
    }
  });

  it('refuses a token whose alg does not fit the key its kid names', async () => {
    const h = await startHarness({ algorithms: ['RS256'] });
    try {
      // Same RSA key, published for RS256 only; the token claims PS256 under that kid.
      const rs = h.keys.RS256!;
      const ps = {
        ...rs,
        alg: 'PS256',
        privateKey: await importPKCS8(await exportPKCS8(rs.privateKey), 'PS256'),
      };
      assert.equal(outcome(await authn(h.auth, await sign(ps, fresh(h.issuer)))), 'token-key-not-found');
    } finally {
      await h.close();
    }
  });
});

describe('JWKS outage', () => {
  it('serves the last good keys within jwksStaleSeconds, then fails closed', async () => {
    const h = await startHarness();
    try {
      assert.equal(outcome(await authn(h.auth, await sign(h.keys.RS256!, fresh(h.issuer)))), 'authenticated');
      h.server.mode = 'down';
      // Past the 300 s cache, within the 3600 s stale window: new tokens still verify.
      for (const t of [NOW + 301, NOW + 2000, NOW + 300 + 3599]) {
        const token = await sign(h.keys.RS256!, fresh(h.issuer, t));
        assert.equal(outcome(await authn(h.auth, token, t)), 'authenticated', `at +${t - NOW}`);
      }
      assert.ok((h.server.hits.get('/jwks') ?? 0) >= 2, 'the endpoint was retried');
      const late = NOW + 300 + 3600;
      const result = await authn(h.auth, await sign(h.keys.RS256!, fresh(h.issuer, late)), late);
      assert.equal(outcome(result), 'jwks-unavailable');
      assert.match((result as { detail?: string }).detail ?? '', /503/);
      // Back up: the next attempt after the cooldown recovers.
      h.server.mode = 'ok';
      const later = late + 30;
      assert.equal(
        outcome(await authn(h.auth, await sign(h.keys.RS256!, fresh(h.issuer, later)), later)),
        'authenticated',
      );
    } finally {
      await h.close();
    }
  });

  it('denies jwks-unavailable when keys were never fetched', async () => {
    const h = await startHarness();
    try {
      h.server.mode = 'down';
      assert.equal(
        outcome(await authn(h.auth, await sign(h.keys.RS256!, fresh(h.issuer)))),
        'jwks-unavailable',
      );
    } finally {
      await h.close();
    }
  });

  it('denies jwks-unavailable when the endpoint answers something that is not a usable JWKS', async () => {
    for (const body of [{ keys: [] }, { hello: 'world' }, [], 'not json']) {
      const h = await startHarness();
      try {
        h.server.jwks = body;
        assert.equal(
          outcome(await authn(h.auth, await sign(h.keys.RS256!, fresh(h.issuer)))),
          'jwks-unavailable',
        );
      } finally {
        await h.close();
      }
    }
  });
});

describe('slow JWKS endpoint', () => {
  it('times out and denies when no keys are cached', async () => {
    const h = await startHarness({ settings: { jwksTimeoutMs: 100 } });
    try {
      h.server.mode = 'hang';
      const started = performance.now();
      const result = await authn(h.auth, await sign(h.keys.RS256!, fresh(h.issuer)));
      assert.equal(outcome(result), 'jwks-unavailable');
      assert.ok(performance.now() - started < 2000, 'bounded by the time limit');
    } finally {
      await h.close();
    }
  });

  it('answers from stale keys at once while the refetch hangs', async () => {
    const h = await startHarness({ settings: { jwksTimeoutMs: 5000 } });
    try {
      await authn(h.auth, await sign(h.keys.RS256!, fresh(h.issuer)));
      h.server.mode = 'hang';
      const at = NOW + 400;
      const started = performance.now();
      const result = await authn(h.auth, await sign(h.keys.RS256!, fresh(h.issuer, at)), at);
      assert.equal(outcome(result), 'authenticated');
      assert.ok(performance.now() - started < 1000, 'did not wait for the hanging fetch');
    } finally {
      await h.close();
    }
  });
});

describe('concurrent cold requests', () => {
  it('share one JWKS fetch', async () => {
    const h = await startHarness();
    try {
      const tokens = await Promise.all(
        Array.from({ length: 10 }, () => sign(h.keys.RS256!, fresh(h.issuer))),
      );
      const results = await Promise.all(tokens.map((t) => authn(h.auth, t)));
      assert.ok(results.every((r) => r.status === 'authenticated'));
      assert.equal(h.server.hits.get('/jwks'), 1);
    } finally {
      await h.close();
    }
  });
});

describe('OIDC discovery', () => {
  it('finds the JWKS through .well-known/openid-configuration', async () => {
    const h = await startHarness({ settings: { jwksUrl: undefined, discovery: true } });
    try {
      assert.equal(outcome(await authn(h.auth, await sign(h.keys.RS256!, fresh(h.issuer)))), 'authenticated');
      assert.equal(h.server.hits.get('/.well-known/openid-configuration'), 1);
      assert.equal(h.server.hits.get('/jwks'), 1);
    } finally {
      await h.close();
    }
  });

  it('refuses a discovery document that names another issuer', async () => {
    const h = await startHarness({ settings: { jwksUrl: undefined, discovery: true } });
    try {
      h.server.discoveryIssuer = 'https://evil.example.com';
      assert.equal(
        outcome(await authn(h.auth, await sign(h.keys.RS256!, fresh(h.issuer)))),
        'jwks-unavailable',
      );
      assert.equal(h.server.hits.get('/jwks'), undefined);
    } finally {
      await h.close();
    }
  });
});

describe('jwksFile', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-jwks-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads a JWKS file and picks up a replaced file on the next check', async () => {
    const path = join(dir, 'jwks.json');
    const a = await makeKey('ES256', 'a');
    const b = await makeKey('ES256', 'b');
    await writeFile(path, JSON.stringify(jwksOf(a)));
    const issuer = 'https://ci.example.com';
    const auth = createJwtAuthenticator([issuerSettings({ issuer, jwksFile: path })], {
      fileCheckSeconds: 5,
    });
    assert.equal(outcome(await authn(auth, await sign(a, fresh(issuer)))), 'authenticated');
    // Atomic replacement, as a ConfigMap update or `mv` does it.
    await writeFile(`${path}.new`, JSON.stringify(jwksOf(b)));
    await rename(`${path}.new`, path);
    assert.equal(outcome(await authn(auth, await sign(b, fresh(issuer)), NOW + 5)), 'authenticated');
    assert.equal(outcome(await authn(auth, await sign(a, fresh(issuer)), NOW + 6)), 'token-key-not-found');
  });

  it('reads a PEM public key and matches tokens with or without kid', async () => {
    const path = join(dir, 'key.pem');
    const key = await makeKey('RS256', 'k8s-kid');
    await writeFile(path, key.publicPem);
    const issuer = 'https://kubernetes.default.svc.cluster.local';
    const auth = createJwtAuthenticator([issuerSettings({ issuer, jwksFile: path })]);
    assert.equal(outcome(await authn(auth, await sign(key, fresh(issuer)))), 'authenticated');
    const noKid = { ...key, kid: undefined };
    assert.equal(outcome(await authn(auth, await sign(noKid, fresh(issuer)))), 'authenticated');
  });

  it('fails closed on a missing file or a private key file', async () => {
    const issuer = 'https://ci.example.com';
    const key = await makeKey('ES256', 'a');
    const missing = createJwtAuthenticator([issuerSettings({ issuer, jwksFile: join(dir, 'absent.json') })]);
    assert.equal(outcome(await authn(missing, await sign(key, fresh(issuer)))), 'jwks-unavailable');
    const privatePath = join(dir, 'private.pem');
    const { generateKeyPairSync } = await import('node:crypto');
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    await writeFile(privatePath, pem);
    const withPrivate = createJwtAuthenticator([issuerSettings({ issuer, jwksFile: privatePath })]);
    const result = await authn(withPrivate, await sign(key, fresh(issuer)));
    assert.equal(outcome(result), 'jwks-unavailable');
    assert.match((result as { detail?: string }).detail ?? '', /private key/);
  });
});

describe('key URL safety', () => {
  it('never fetches plain http from a non-loopback host, even if settings say so', async () => {
    let fetched = false;
    const settings = {
      ...issuerSettings({ issuer: 'https://x.example', jwksUrl: 'https://x.example/jwks' }),
    };
    const auth = createJwtAuthenticator([{ ...settings, jwksUrl: 'http://x.example/jwks' }], {
      fetch: (async () => {
        fetched = true;
        throw new Error('should not be called');
      }) as typeof fetch,
    });
    const key = await makeKey('ES256');
    assert.equal(outcome(await authn(auth, await sign(key, fresh('https://x.example')))), 'jwks-unavailable');
    assert.equal(fetched, false);
  });
});

describe('harness sanity', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());
  it('serves the JWKS it was given', async () => {
    const response = await fetch(h.server.jwksUrl);
    assert.deepEqual(await response.json(), jwksOf(h.keys.RS256!));
  });
});
