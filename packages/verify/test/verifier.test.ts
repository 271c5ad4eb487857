import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { AssertionError, createVerifier, MAX_TOKEN_LENGTH } from '../src/index.ts';
import {
  assertion,
  closeServer,
  type JwksServer,
  listen,
  NOW,
  type SigningKey,
  signingKey,
  startJwksServer,
} from './fixtures.ts';

const request = { method: 'GET', host: 'upstream.test', path: '/orders/42' };

async function rejectsWith(p: Promise<unknown>, code: string): Promise<AssertionError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof AssertionError, `expected an AssertionError, got ${String(err)}`);
    assert.equal(err.code, code);
    return err;
  }
  assert.fail(`expected a rejection with ${code}`);
}

describe('createVerifier', () => {
  let es: SigningKey;
  let ed: SigningKey;
  let jwks: JwksServer;

  before(async () => {
    es = await signingKey('ES256', 'es-1');
    ed = await signingKey('EdDSA', 'ed-1');
    jwks = await startJwksServer([es.publicJwk]);
  });
  after(() => jwks.close());

  it('verifies against static keys, as an array or a JWKS object, without any fetch', async () => {
    const fetches = jwks.fetches();
    const token = await assertion(es, { iss: jwks.issuer });
    for (const keys of [[es.publicJwk], { keys: [es.publicJwk] }]) {
      const v = createVerifier({ issuer: jwks.issuer, audience: 'orders', keys, now: () => NOW });
      assert.equal((await v.verify(token, request)).subject, 'user-123');
    }
    assert.equal(jwks.fetches(), fetches);
  });

  it('accepts any of several audiences', async () => {
    const v = createVerifier({
      issuer: jwks.issuer,
      audience: ['billing', 'orders'],
      keys: [es.publicJwk],
      now: () => NOW,
    });
    assert.equal((await v.verify(await assertion(es, { iss: jwks.issuer }), request)).audience, 'orders');
  });

  it('requires the request to check the binding against, unless bindRequest is false', async () => {
    const token = await assertion(es, { iss: jwks.issuer });
    const bound = createVerifier({
      issuer: jwks.issuer,
      audience: 'orders',
      keys: [es.publicJwk],
      now: () => NOW,
    });
    await rejectsWith(bound.verify(token), 'binding');
    const unbound = createVerifier({
      issuer: jwks.issuer,
      audience: 'orders',
      keys: [es.publicJwk],
      now: () => NOW,
      bindRequest: false,
    });
    assert.equal((await unbound.verify(token)).subject, 'user-123');
    assert.equal((await unbound.verify(token, { ...request, path: '/elsewhere' })).subject, 'user-123');
  });

  it('restricts algorithms when asked', async () => {
    const v = createVerifier({
      issuer: jwks.issuer,
      audience: 'orders',
      keys: [es.publicJwk, ed.publicJwk],
      algorithms: ['ES256'],
      now: () => NOW,
    });
    await rejectsWith(v.verify(await assertion(ed, { iss: jwks.issuer }), request), 'algorithm');
  });

  it('honours maxLifetimeSeconds and clockToleranceSeconds', async () => {
    const v = createVerifier({
      issuer: jwks.issuer,
      audience: 'orders',
      keys: [es.publicJwk],
      maxLifetimeSeconds: 60,
      clockToleranceSeconds: 0,
      now: () => NOW,
    });
    await rejectsWith(
      v.verify(await assertion(es, { iss: jwks.issuer, exp: NOW + 61 }), request),
      'lifetime',
    );
    await rejectsWith(
      v.verify(await assertion(es, { iss: jwks.issuer, iat: NOW - 30, exp: NOW }), request),
      'expired',
    );
    await rejectsWith(
      v.verify(await assertion(es, { iss: jwks.issuer, iat: NOW + 1 }), request),
      'not-yet-valid',
    );
  });

  it('refuses anonymous callers (public routes) unless allowAnonymous is set', async () => {
    const anon = {
      sub: 'anonymous',
      kind: 'anonymous',
      auth_method: 'none',
      email: undefined,
      groups: undefined,
    };
    const token = await assertion(es, { iss: jwks.issuer, claims: anon });
    const base = { issuer: jwks.issuer, audience: 'orders', keys: [es.publicJwk], now: () => NOW };
    await rejectsWith(createVerifier(base).verify(token, request), 'anonymous');
    const who = await createVerifier({ ...base, allowAnonymous: true }).verify(token, request);
    assert.deepEqual([who.kind, who.authMethod, who.groups], ['anonymous', 'none', []]);
    // kind and auth_method must agree either way.
    const odd = await assertion(es, { iss: jwks.issuer, claims: { ...anon, auth_method: 'session' } });
    await rejectsWith(createVerifier({ ...base, allowAnonymous: true }).verify(odd, request), 'claims');
    const odd2 = await assertion(es, { iss: jwks.issuer, claims: { auth_method: 'none' } });
    await rejectsWith(createVerifier(base).verify(odd2, request), 'claims');
  });

  it('reports a truncated group list', async () => {
    const v = createVerifier({
      issuer: jwks.issuer,
      audience: 'orders',
      keys: [es.publicJwk],
      now: () => NOW,
    });
    const full = await v.verify(await assertion(es, { iss: jwks.issuer }), request);
    assert.equal(full.groupsTruncated, false);
    const cut = await assertion(es, {
      iss: jwks.issuer,
      claims: { groups_truncated: true, groups_count: 900 },
    });
    const partial = await v.verify(cut, request);
    assert.equal(partial.groupsTruncated, true);
    assert.equal(partial.claims.groups_count, 900);
  });

  it('reads a custom header name, lower-cased', () => {
    const v = createVerifier({
      issuer: jwks.issuer,
      audience: 'orders',
      keys: [es.publicJwk],
      header: 'X-Identity',
    });
    assert.equal(v.header, 'x-identity');
  });

  it('refuses an oversized token before parsing it', async () => {
    const v = createVerifier({
      issuer: jwks.issuer,
      audience: 'orders',
      keys: [es.publicJwk],
      now: () => NOW,
    });
    const token = `${'a'.repeat(MAX_TOKEN_LENGTH)}.b.c`;
    await rejectsWith(v.verify(token, request), 'malformed');
    await rejectsWith(v.verify(undefined, request), 'missing');
    await rejectsWith(v.verify('', request), 'missing');
  });

  it('never puts the token or a claim value in the error', async () => {
    const v = createVerifier({
      issuer: jwks.issuer,
      audience: 'orders',
      keys: [es.publicJwk],
      now: () => NOW,
    });
    const token = await assertion(es, { iss: jwks.issuer, aud: 'billing' });
    const err = await rejectsWith(v.verify(token, request), 'audience');
    const text = `${err.message} ${err.detail} ${err.stack} ${JSON.stringify(err)}`;
    assert.ok(!text.includes(token));
    assert.ok(!text.includes(token.split('.')[2]!));
    assert.ok(!text.includes('billing'));
    assert.ok(!text.includes('alice@example.com'));
  });

  it('fails closed when the JWKS cannot be fetched', async () => {
    const gone = http.createServer();
    const port = await listen(gone);
    await closeServer(gone);
    const v = createVerifier({
      issuer: jwks.issuer,
      jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
      audience: 'orders',
      now: () => NOW,
    });
    await rejectsWith(v.verify(await assertion(es, { iss: jwks.issuer }), request), 'jwks');
  });

  it('fails closed when the JWKS endpoint answers an error or garbage', async () => {
    let body = 'oops';
    let status = 500;
    const bad = http.createServer((_req, res) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(body),
    );
    const port = await listen(bad);
    try {
      const v = (url: string) =>
        createVerifier({
          issuer: jwks.issuer,
          jwksUrl: url,
          audience: 'orders',
          now: () => NOW,
          jwksCooldownMs: 0,
        });
      const token = await assertion(es, { iss: jwks.issuer });
      await rejectsWith(v(`http://127.0.0.1:${port}/a`).verify(token, request), 'jwks');
      status = 200;
      body = '{"keys": "nope"}';
      await rejectsWith(v(`http://127.0.0.1:${port}/b`).verify(token, request), 'jwks');
    } finally {
      await closeServer(bad);
    }
  });

  it('picks up a rotated key: an unknown kid triggers a refetch (after the cooldown)', async () => {
    const rotating = await startJwksServer([es.publicJwk]);
    try {
      const make = (cooldownMs: number) =>
        createVerifier({
          issuer: rotating.issuer,
          audience: 'orders',
          now: () => NOW,
          jwksCooldownMs: cooldownMs,
        });
      const eager = make(0);
      const patient = make(60_000);
      assert.equal((await eager.verify(await assertion(es, { iss: rotating.issuer }), request)).kind, 'user');
      assert.equal(
        (await patient.verify(await assertion(es, { iss: rotating.issuer }), request)).kind,
        'user',
      );
      rotating.setKeys([es.publicJwk, ed.publicJwk]);
      const fresh = await assertion(ed, { iss: rotating.issuer });
      // Within the cooldown the cached set is trusted: the new kid is unknown.
      await rejectsWith(patient.verify(fresh, request), 'unknown-key');
      // Past it (0 here), the set is refetched and the new key is found.
      assert.equal((await eager.verify(fresh, request)).subject, 'user-123');
    } finally {
      await rotating.close();
    }
  });

  it('rejects bad options at construction', () => {
    assert.throws(() => createVerifier({ issuer: '', audience: 'a', keys: [] }), TypeError);
    assert.throws(() => createVerifier({ issuer: 'https://gh', audience: [], keys: [] }), TypeError);
    assert.throws(
      () =>
        createVerifier({ issuer: 'https://gh', audience: 'a', keys: [], algorithms: ['HS256' as 'ES256'] }),
      TypeError,
    );
  });
});
