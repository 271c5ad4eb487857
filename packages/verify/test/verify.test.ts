import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { type AssertionErrorCode, gatehouseNode, type Identity } from '../src/index.ts';
import {
  assertion,
  closeServer,
  hmacWithPublicKey,
  type JwksServer,
  listen,
  NOW,
  type SigningKey,
  send,
  signingKey,
  startJwksServer,
  unsignedToken,
} from './fixtures.ts';

/**
 * The upstream's view: a node:http service guarded by gatehouseNode, its JWKS fetched over
 * HTTP from a fake Gatehouse. A request that did not come through Gatehouse, or an assertion
 * taken from one request and replayed on another, must be refused with 401.
 */
describe('gatehouseNode: an upstream accepts Gatehouse assertions and nothing else', () => {
  let es: SigningKey;
  let ed: SigningKey;
  let rogue: SigningKey;
  let jwks: JwksServer;
  let upstream: http.Server;
  let port: number;
  const failures: AssertionErrorCode[] = [];

  before(async () => {
    es = await signingKey('ES256', 'es-1');
    ed = await signingKey('EdDSA', 'ed-1');
    rogue = await signingKey('ES256', 'rogue');
    jwks = await startJwksServer([es.publicJwk, ed.publicJwk]);
    const guard = gatehouseNode({
      issuer: jwks.issuer,
      audience: 'orders',
      now: () => NOW,
      onFailure: (e) => failures.push(e.code),
    });
    upstream = http.createServer(async (req, res) => {
      const who = await guard(req, res);
      if (!who) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(who));
    });
    port = await listen(upstream);
  });
  after(async () => {
    await closeServer(upstream);
    await jwks.close();
  });

  const withToken = (token: string) => [['x-gatehouse-assertion', token]] as [string, string][];

  async function refused(
    token: string | undefined,
    code: AssertionErrorCode,
    o: { method?: string; path?: string; host?: string } = {},
  ) {
    const r = await send(port, { ...o, headers: token === undefined ? [] : withToken(token) });
    assert.equal(r.status, 401);
    assert.deepEqual(r.body, { error: code });
    assert.equal(failures.at(-1), code);
  }

  it('accepts a valid ES256 assertion and hands over the identity', async () => {
    const r = await send(port, { headers: withToken(await assertion(es, { iss: jwks.issuer })) });
    assert.equal(r.status, 200);
    const who = r.body as unknown as Identity;
    assert.equal(who.subject, 'user-123');
    assert.equal(who.kind, 'user');
    assert.equal(who.authMethod, 'session');
    assert.equal(who.email, 'alice@example.com');
    assert.deepEqual(who.groups, ['eng', 'oncall']);
    assert.equal(who.issuer, jwks.issuer);
    assert.equal(who.audience, 'orders');
    assert.equal(who.expiresAt, NOW + 60);
    assert.equal(who.claims.tenant, 'acme');
  });

  it('accepts a valid EdDSA (Ed25519) assertion', async () => {
    const token = await assertion(ed, {
      iss: jwks.issuer,
      claims: { kind: 'workload', auth_method: 'mtls', sub: 'spiffe://cluster.local/ns/a/sa/b' },
    });
    const r = await send(port, { headers: withToken(token) });
    assert.equal(r.status, 200);
    assert.equal(r.body.kind, 'workload');
    assert.equal(r.body.authMethod, 'mtls');
    assert.equal(r.body.subject, 'spiffe://cluster.local/ns/a/sa/b');
  });

  it('fetches the JWKS once and reuses it', async () => {
    const before = jwks.fetches();
    assert.ok(before >= 1);
    for (let i = 0; i < 3; i++) {
      const r = await send(port, { headers: withToken(await assertion(es, { iss: jwks.issuer })) });
      assert.equal(r.status, 200);
    }
    assert.equal(jwks.fetches(), before);
  });

  it('binding: matches the Host case-insensitively, without port or trailing dot, and ignores the query', async () => {
    const token = await assertion(es, { iss: jwks.issuer });
    const r = await send(port, {
      host: 'Upstream.TEST.:8443',
      path: '/orders/42?expand=items',
      headers: withToken(token),
    });
    assert.equal(r.status, 200);
  });

  it('refuses a direct request with no assertion (bypassing Gatehouse): missing', async () => {
    await refused(undefined, 'missing');
  });

  it('refuses an assertion replayed at another path', async () => {
    await refused(await assertion(es, { iss: jwks.issuer }), 'binding', { path: '/orders/43' });
    // A path that only differs by a trailing slash or case is another path.
    await refused(await assertion(es, { iss: jwks.issuer }), 'binding', { path: '/orders/42/' });
    await refused(await assertion(es, { iss: jwks.issuer }), 'binding', { path: '/Orders/42' });
  });

  it('refuses an assertion replayed with another method', async () => {
    await refused(await assertion(es, { iss: jwks.issuer }), 'binding', { method: 'DELETE' });
  });

  it('refuses an assertion replayed at another host', async () => {
    await refused(await assertion(es, { iss: jwks.issuer }), 'binding', { host: 'other.test' });
  });

  it('refuses an assertion without a req claim', async () => {
    await refused(await assertion(es, { iss: jwks.issuer, claims: { req: undefined } }), 'binding');
  });

  it('refuses an expired assertion, with clock tolerance at the edge', async () => {
    await refused(await assertion(es, { iss: jwks.issuer, iat: NOW - 100, exp: NOW - 6 }), 'expired');
    await refused(await assertion(es, { iss: jwks.issuer, iat: NOW - 100, exp: NOW - 5 }), 'expired');
    const justInside = await assertion(es, { iss: jwks.issuer, iat: NOW - 100, exp: NOW - 4 });
    assert.equal((await send(port, { headers: withToken(justInside) })).status, 200);
  });

  it('refuses an assertion issued in the future', async () => {
    await refused(await assertion(es, { iss: jwks.issuer, iat: NOW + 30 }), 'not-yet-valid');
  });

  it("refuses another audience's assertion, and an audience list", async () => {
    await refused(await assertion(es, { iss: jwks.issuer, aud: 'billing' }), 'audience');
    await refused(
      await assertion(es, { iss: jwks.issuer, claims: { aud: ['orders', 'billing'] } }),
      'audience',
    );
  });

  it('refuses another issuer', async () => {
    await refused(await assertion(es, { iss: 'https://evil.example' }), 'issuer');
    await refused(await assertion(es, { iss: `${jwks.issuer}/` }), 'issuer');
  });

  it('refuses a lifetime over 300 seconds; exactly 300 is accepted', async () => {
    await refused(await assertion(es, { iss: jwks.issuer, iat: NOW, exp: NOW + 301 }), 'lifetime');
    await refused(await assertion(es, { iss: jwks.issuer, iat: NOW, exp: NOW }), 'lifetime');
    const max = await assertion(es, { iss: jwks.issuer, iat: NOW, exp: NOW + 300 });
    assert.equal((await send(port, { headers: withToken(max) })).status, 200);
  });

  it('refuses an assertion signed by a key not in the JWKS', async () => {
    // Its own kid: no such key.
    await refused(await assertion(rogue, { iss: jwks.issuer }), 'unknown-key');
    // A real kid: the signature does not verify with that key.
    await refused(await assertion(rogue, { iss: jwks.issuer, header: { kid: 'es-1' } }), 'signature');
  });

  it('refuses alg "none"', async () => {
    const payload = decodeJwt(await assertion(es, { iss: jwks.issuer }));
    await refused(unsignedToken({ kid: 'es-1' }, payload), 'algorithm');
  });

  it('refuses HS256 keyed with the public key (algorithm confusion)', async () => {
    const payload = decodeJwt(await assertion(es, { iss: jwks.issuer }));
    await refused(hmacWithPublicKey(JSON.stringify(es.publicJwk), { kid: 'es-1' }, payload), 'algorithm');
    await refused(hmacWithPublicKey(es.publicJwk.x!, { kid: 'es-1' }, payload), 'algorithm');
  });

  it('refuses a wrong or missing typ (another kind of JWT signed by the same key)', async () => {
    await refused(await assertion(es, { iss: jwks.issuer, header: { typ: 'JWT' } }), 'type');
    await refused(await assertion(es, { iss: jwks.issuer, header: { typ: 'at+jwt' } }), 'type');
    await refused(await assertion(es, { iss: jwks.issuer, header: { typ: undefined } }), 'type');
  });

  it('refuses a tampered payload', async () => {
    const token = await assertion(es, { iss: jwks.issuer });
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    claims.groups = ['admin'];
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    await refused(forged, 'signature');
  });

  it('refuses missing or invalid claims', async () => {
    await refused(await assertion(es, { iss: jwks.issuer, claims: { jti: undefined } }), 'claims');
    await refused(await assertion(es, { iss: jwks.issuer, claims: { sub: undefined } }), 'claims');
    await refused(await assertion(es, { iss: jwks.issuer, claims: { kind: 'robot' } }), 'claims');
    await refused(await assertion(es, { iss: jwks.issuer, claims: { auth_method: 'basic' } }), 'claims');
    await refused(await assertion(es, { iss: jwks.issuer, claims: { groups: 'admin' } }), 'claims');
  });

  it('refuses garbage, a missing kid and a repeated assertion header as malformed', async () => {
    await refused('not-a-jwt', 'malformed');
    await refused('a.b.c.d.e', 'malformed');
    await refused(await assertion(es, { iss: jwks.issuer, header: { kid: undefined } }), 'malformed');
    const token = await assertion(es, { iss: jwks.issuer });
    const r = await send(port, {
      headers: [
        ['x-gatehouse-assertion', token],
        ['X-Gatehouse-Assertion', token],
      ],
    });
    assert.equal(r.status, 401);
    assert.deepEqual(r.body, { error: 'malformed' });
  });
});
