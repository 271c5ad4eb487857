/** The verified-token cache, replay protection, and carrying state across a config reload. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryReplayStore, type ReplayStore } from '../../state/index.ts';
import {
  authn,
  claimsFor,
  issuerSettings,
  makeKey,
  NOW,
  outcome,
  requestWith,
  sign,
  startHarness,
} from './fixtures.ts';
import { createJwtAuthenticator } from './jwt-authenticator.ts';
import { joseVerifier, type SignatureVerifier } from './signature.ts';

describe('verified-token cache', () => {
  it('answers the second use synchronously without verifying again', async () => {
    const h = await startHarness();
    try {
      const token = await sign(h.keys.RS256!, claimsFor(h.issuer));
      const first = h.auth.authenticate(requestWith(`Bearer ${token}`), NOW);
      assert.ok(first instanceof Promise);
      const cold = await first;
      assert.equal(cold.status, 'authenticated');
      assert.equal(h.verifications(), 1);
      const second = h.auth.authenticate(requestWith(`Bearer ${token}`), NOW + 1);
      assert.ok(!(second instanceof Promise), 'a cache hit is synchronous');
      assert.equal(second, cold, 'the same frozen result');
      assert.equal(h.verifications(), 1);
      assert.equal(h.auth.stats.cacheHits, 1);
    } finally {
      await h.close();
    }
  });

  it('stops answering from the cache once the token expires', async () => {
    const h = await startHarness();
    try {
      const token = await sign(h.keys.RS256!, claimsFor(h.issuer, { exp: NOW + 100 }));
      assert.equal(outcome(await authn(h.auth, token)), 'authenticated');
      assert.equal(outcome(await authn(h.auth, token, NOW + 129)), 'authenticated'); // exp + skew not reached
      const expired = h.auth.authenticate(requestWith(`Bearer ${token}`), NOW + 130);
      assert.ok(!(expired instanceof Promise));
      assert.equal(outcome(expired), 'token-expired');
    } finally {
      await h.close();
    }
  });

  it('does not cache denials', async () => {
    const h = await startHarness();
    try {
      const token = await sign(h.keys.RS256!, claimsFor(h.issuer, { aud: 'other' }));
      assert.equal(outcome(await authn(h.auth, token)), 'token-audience-invalid');
      assert.equal(outcome(await authn(h.auth, token)), 'token-audience-invalid');
      assert.equal(h.verifications(), 2);
    } finally {
      await h.close();
    }
  });

  it('is bounded by tokenCacheSize, and 0 disables it', async () => {
    const h = await startHarness({ deps: { tokenCacheSize: 2 } });
    try {
      for (let i = 0; i < 5; i++)
        await authn(h.auth, await sign(h.keys.RS256!, claimsFor(h.issuer, { jti: `${i}` })));
      assert.equal(h.auth.stats.cacheSize, 2);
    } finally {
      await h.close();
    }
    const off = await startHarness({ deps: { tokenCacheSize: 0 } });
    try {
      const token = await sign(off.keys.RS256!, claimsFor(off.issuer));
      await authn(off.auth, token);
      assert.ok(off.auth.authenticate(requestWith(`Bearer ${token}`), NOW) instanceof Promise);
      await authn(off.auth, token);
      assert.equal(off.verifications(), 3);
    } finally {
      await off.close();
    }
  });
});

describe('replay protection', () => {
  it('accepts a jti once; the second use is token-replayed', async () => {
    const h = await startHarness({ settings: { replay: { enabled: true } } });
    try {
      const token = await sign(h.keys.RS256!, claimsFor(h.issuer, { jti: 'once' }));
      assert.equal(outcome(await authn(h.auth, token)), 'authenticated');
      assert.equal(outcome(await authn(h.auth, token, NOW + 1)), 'token-replayed');
      // Another token with its own jti is fine.
      const other = await sign(h.keys.RS256!, claimsFor(h.issuer, { jti: 'twice' }));
      assert.equal(outcome(await authn(h.auth, other)), 'authenticated');
    } finally {
      await h.close();
    }
  });

  it('refuses a re-signed token reusing a jti (the store, not the cache, decides)', async () => {
    const h = await startHarness({ settings: { replay: { enabled: true } }, deps: { tokenCacheSize: 0 } });
    try {
      const a = await sign(h.keys.RS256!, claimsFor(h.issuer, { jti: 'same', sub: 'a' }));
      const b = await sign(h.keys.RS256!, claimsFor(h.issuer, { jti: 'same', sub: 'b' }));
      assert.equal(outcome(await authn(h.auth, a)), 'authenticated');
      assert.equal(outcome(await authn(h.auth, b)), 'token-replayed');
      assert.equal(outcome(await authn(h.auth, a)), 'token-replayed');
    } finally {
      await h.close();
    }
  });

  it('requires a jti', async () => {
    const h = await startHarness({ settings: { replay: { enabled: true } } });
    try {
      assert.equal(
        outcome(await authn(h.auth, await sign(h.keys.RS256!, claimsFor(h.issuer)))),
        'token-jti-missing',
      );
      const numeric = await sign(h.keys.RS256!, claimsFor(h.issuer, { jti: 7 as unknown as string }));
      assert.equal(outcome(await authn(h.auth, numeric)), 'token-jti-missing');
    } finally {
      await h.close();
    }
  });

  it('does not burn a jti on a token refused for another reason', async () => {
    const h = await startHarness({ settings: { replay: { enabled: true } } });
    try {
      const early = await sign(h.keys.RS256!, claimsFor(h.issuer, { jti: 'j', nbf: NOW + 100 }));
      assert.equal(outcome(await authn(h.auth, early)), 'token-not-yet-valid');
      assert.equal(outcome(await authn(h.auth, early, NOW + 100)), 'authenticated');
    } finally {
      await h.close();
    }
  });

  it('remembers the jti until exp + skew', async () => {
    const store = new MemoryReplayStore();
    const seen: number[] = [];
    const spy: ReplayStore = {
      checkAndRemember: (key, expiresAt, now) => {
        seen.push(expiresAt);
        return store.checkAndRemember(key, expiresAt, now);
      },
    };
    const h = await startHarness({ settings: { replay: { enabled: true } }, deps: { replayStore: spy } });
    try {
      await authn(h.auth, await sign(h.keys.RS256!, claimsFor(h.issuer, { jti: 'x', exp: NOW + 600 })));
      assert.deepEqual(seen, [NOW + 600 + 30]);
    } finally {
      await h.close();
    }
  });

  it('fails closed when the replay store cannot record', async () => {
    const broken: ReplayStore = {
      checkAndRemember: async () => {
        throw new Error('connection refused');
      },
    };
    const h = await startHarness({ settings: { replay: { enabled: true } }, deps: { replayStore: broken } });
    try {
      const result = await authn(h.auth, await sign(h.keys.RS256!, claimsFor(h.issuer, { jti: 'x' })));
      assert.equal(outcome(result), 'replay-store-unavailable');
    } finally {
      await h.close();
    }
  });
});

describe('config reload', () => {
  it('keeps cached tokens and keys of unchanged issuers, and drops the rest', async () => {
    const h = await startHarness();
    const other = await startHarness({ algorithms: ['ES256'], settings: { name: 'other' } });
    try {
      const settingsA = issuerSettings({ issuer: h.issuer, jwksUrl: h.server.jwksUrl });
      const inputB = { name: 'other', issuer: other.issuer, jwksUrl: other.server.jwksUrl };
      const settingsB = issuerSettings(inputB);
      let verifications = 0;
      const deps = {
        verifySignature: ((token, key, alg) => {
          verifications++;
          return joseVerifier(token, key, alg);
        }) satisfies SignatureVerifier,
      };
      const before = createJwtAuthenticator([settingsA, settingsB], deps);
      const tokenA = await sign(h.keys.RS256!, claimsFor(h.issuer));
      const tokenB = await sign(other.keys.ES256!, claimsFor(other.issuer));
      assert.equal(outcome(await authn(before, tokenA)), 'authenticated');
      assert.equal(outcome(await authn(before, tokenB)), 'authenticated');
      assert.equal(verifications, 2);

      // Reload: A unchanged, B's audiences changed.
      const changedB = issuerSettings({ ...inputB, audiences: ['gatehouse', 'more'] });
      const after = createJwtAuthenticator([settingsA, changedB], deps, before);
      before.close();
      const hitA = after.authenticate(requestWith(`Bearer ${tokenA}`), NOW);
      assert.ok(!(hitA instanceof Promise), 'unchanged issuer: token still cached');
      assert.equal(outcome(hitA), 'authenticated');
      const missB = after.authenticate(requestWith(`Bearer ${tokenB}`), NOW);
      assert.ok(missB instanceof Promise, 'changed issuer: verified again');
      assert.equal(outcome(await missB), 'authenticated');
      assert.equal(h.server.hits.get('/jwks'), 1, 'unchanged issuer: keys not fetched again');
      assert.equal(other.server.hits.get('/jwks'), 2, 'changed issuer: keys fetched again');

      // Reload without B: its tokens are refused.
      const onlyA = createJwtAuthenticator([settingsA], deps, after);
      assert.equal(outcome(await authn(onlyA, tokenB)), 'token-issuer-unknown');
    } finally {
      await h.close();
      await other.close();
    }
  });

  it('carries the replay store, so a reload does not reopen replays', async () => {
    const key = await makeKey('ES256');
    const h = await startHarness({ algorithms: [] });
    try {
      h.server.jwks = { keys: [key.publicJwk] };
      const settings = issuerSettings({
        issuer: h.issuer,
        jwksUrl: h.server.jwksUrl,
        replay: { enabled: true },
      });
      const before = createJwtAuthenticator([settings], { tokenCacheSize: 0 });
      const token = await sign(key, claimsFor(h.issuer, { jti: 'r' }));
      assert.equal(outcome(await authn(before, token)), 'authenticated');
      const after = createJwtAuthenticator([settings], { tokenCacheSize: 0 }, before);
      assert.equal(outcome(await authn(after, token)), 'token-replayed');
    } finally {
      await h.close();
    }
  });
});
