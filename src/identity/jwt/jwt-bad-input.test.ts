/**
 * Hostile and broken tokens, one test per case: each must be denied with its own reason,
 * decided before trusting anything the token says about itself.
 */
import assert from 'node:assert/strict';
import { createHmac, createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CompactSign, exportPKCS8 } from 'jose';
import {
  authn,
  b64,
  claimsFor,
  type Harness,
  makeKey,
  NOW,
  outcome,
  sign,
  startHarness,
} from './fixtures.ts';

let h: Harness;
before(async () => {
  h = await startHarness({ algorithms: ['RS256', 'ES256'] });
});
after(() => h.close());

/** A compact token from parts, signed by nothing. */
function forge(header: unknown, payload: unknown, signature = ''): string {
  return `${b64(header)}.${b64(payload)}.${signature}`;
}

/** A token whose header and payload bytes are exactly `headerJson` and `payloadJson`, signed RS256 with the issuer key. */
async function signRaw(headerJson: string, payloadJson: string): Promise<string> {
  const input = `${b64(headerJson)}.${b64(payloadJson)}`;
  const pem = await exportPKCS8(h.keys.RS256!.privateKey);
  const signature = cryptoSign('sha256', Buffer.from(input), createPrivateKey(pem)).toString('base64url');
  return `${input}.${signature}`;
}

async function expect(token: string, reason: string): Promise<void> {
  assert.equal(outcome(await authn(h.auth, token)), reason);
}

describe('alg', () => {
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    it(`refuses alg ${alg} (unsigned)`, async () => {
      await expect(forge({ alg, typ: 'JWT' }, claimsFor(h.issuer)), 'token-alg-not-allowed');
    });
  }

  it('refuses alg none even with a signature part', async () => {
    const real = await sign(h.keys.RS256!, claimsFor(h.issuer));
    await expect(forge({ alg: 'none' }, claimsFor(h.issuer), real.split('.')[2]), 'token-alg-not-allowed');
  });

  it('refuses HS256 signed with the issuer public key as the HMAC secret (algorithm confusion)', async () => {
    const input = `${b64({ alg: 'HS256', kid: 'rs256-1' })}.${b64(claimsFor(h.issuer))}`;
    for (const secret of [h.keys.RS256!.publicPem, JSON.stringify(h.keys.RS256!.publicJwk)]) {
      const mac = createHmac('sha256', secret).update(input).digest('base64url');
      await expect(`${input}.${mac}`, 'token-alg-not-allowed');
    }
  });

  it('refuses HS384, HS512 and unknown algorithms', async () => {
    for (const alg of ['HS384', 'HS512', 'RS1', 'ES256K', 'rs256', '']) {
      const expected = alg === '' ? 'token-malformed' : 'token-alg-not-allowed';
      await expect(forge({ alg }, claimsFor(h.issuer), 'c2ln'), expected);
    }
  });

  it('refuses a header without alg as malformed', async () => {
    await expect(forge({ typ: 'JWT' }, claimsFor(h.issuer), 'c2ln'), 'token-malformed');
  });
});

describe('kid', () => {
  const kids: [string, unknown][] = [
    ['path traversal', '../../etc/passwd'],
    ['path traversal inside', 'keys/../../../etc/passwd'],
    ['double quote', 'a"b'],
    ['single quote SQL', "1' OR '1'='1"],
    ['SQL comment', 'x;--'],
    ['shell', '$(reboot)'],
    ['space', 'a b'],
    ['NUL byte', 'a\u0000b'],
    ['newline', 'a\nb'],
    ['very long', 'k'.repeat(257)],
    ['empty', ''],
    ['not a string', 42],
    ['an object', { $ne: null }],
  ];
  for (const [name, kid] of kids) {
    it(`refuses a kid with ${name}`, async () => {
      const token = await sign(h.keys.RS256!, claimsFor(h.issuer), { header: { kid } });
      const fetches = h.server.hits.get('/jwks') ?? 0;
      await expect(token, 'token-kid-invalid');
      assert.equal(h.server.hits.get('/jwks') ?? 0, fetches, 'no key fetched for a bad kid');
    });
  }

  it('accepts kids as real issuers write them (base64 with + / =, base64url, name:version)', async () => {
    for (const kid of [
      'nOo3ZDrODXEK1jKWhXslHR_KXEg',
      'a+b/c=',
      'key:v2',
      'b5f3e1c0-1d2e-4f00-9aaa-000000000001',
    ]) {
      const key = await makeKey('ES256', kid);
      const fresh = await startHarness({ algorithms: [] });
      fresh.server.jwks = { keys: [key.publicJwk] };
      try {
        const token = await sign(key, claimsFor(fresh.issuer));
        assert.equal(outcome(await authn(fresh.auth, token)), 'authenticated', kid);
      } finally {
        await fresh.close();
      }
    }
  });
});

describe('key-carrying headers', () => {
  for (const name of ['jku', 'x5u', 'jwk', 'x5c']) {
    it(`refuses a ${name} header and never fetches it`, async () => {
      const value =
        name === 'jwk'
          ? h.keys.RS256!.publicJwk
          : name === 'x5c'
            ? ['MIIB']
            : `${h.server.url}/attacker-${name}`;
      const token = await sign(h.keys.RS256!, claimsFor(h.issuer), { header: { [name]: value } });
      await expect(token, 'token-header-forbidden');
      assert.equal(h.server.hits.get(`/attacker-${name}`), undefined);
    });
  }
});

describe('crit', () => {
  for (const crit of [['exp'], ['b64'], ['urn:example:unknown'], []]) {
    it(`refuses crit ${JSON.stringify(crit)}`, async () => {
      const header = { alg: 'RS256', kid: 'rs256-1', crit, ...(crit[0] && { [crit[0]]: false }) };
      await expect(
        await signRaw(JSON.stringify(header), JSON.stringify(claimsFor(h.issuer))),
        'token-crit-unsupported',
      );
    });
  }
});

describe('time claims (clock skew 30 s)', () => {
  it('refuses an expired token', async () => {
    await expect(
      await sign(h.keys.RS256!, claimsFor(h.issuer, { iat: NOW - 900, exp: NOW - 300 })),
      'token-expired',
    );
  });

  it('applies the skew exactly at the exp edge', async () => {
    const inside = await sign(h.keys.RS256!, claimsFor(h.issuer, { iat: NOW - 600, exp: NOW - 29 }));
    assert.equal(outcome(await authn(h.auth, inside)), 'authenticated');
    const edge = await sign(h.keys.RS256!, claimsFor(h.issuer, { iat: NOW - 600, exp: NOW - 30 }));
    await expect(edge, 'token-expired');
  });

  it('refuses nbf in the future beyond the skew, and accepts it within', async () => {
    await expect(await sign(h.keys.RS256!, claimsFor(h.issuer, { nbf: NOW + 31 })), 'token-not-yet-valid');
    const within = await sign(h.keys.RS256!, claimsFor(h.issuer, { nbf: NOW + 30 }));
    assert.equal(outcome(await authn(h.auth, within)), 'authenticated');
  });

  it('refuses iat in the future beyond the skew', async () => {
    await expect(
      await sign(h.keys.RS256!, claimsFor(h.issuer, { iat: NOW + 31, exp: NOW + 600 })),
      'token-issued-in-future',
    );
  });

  it('refuses a token without exp', async () => {
    await expect(await sign(h.keys.RS256!, claimsFor(h.issuer), { omit: ['exp'] }), 'token-exp-missing');
  });

  it('refuses a lifetime over maxLifetimeSeconds (3600)', async () => {
    await expect(
      await sign(h.keys.RS256!, claimsFor(h.issuer, { exp: NOW + 3601 })),
      'token-lifetime-too-long',
    );
    const max = await sign(h.keys.RS256!, claimsFor(h.issuer, { exp: NOW + 3600 }));
    assert.equal(outcome(await authn(h.auth, max)), 'authenticated');
  });

  it('refuses a token without iat (its lifetime cannot be bounded)', async () => {
    await expect(await sign(h.keys.RS256!, claimsFor(h.issuer), { omit: ['iat'] }), 'token-claim-missing');
  });

  it('refuses time claims that are not numbers', async () => {
    await expect(
      await signRaw(
        '{"alg":"RS256","kid":"rs256-1"}',
        JSON.stringify(claimsFor(h.issuer, { exp: `${NOW + 60}` as unknown as number })),
      ),
      'token-malformed',
    );
  });

  it('uses the injected clock, not the wall clock', async () => {
    const token = await sign(h.keys.RS256!, claimsFor(h.issuer, { iat: 1_000, exp: 1_600 }));
    assert.equal(outcome(await authn(h.auth, token, 1_100)), 'authenticated');
  });
});

describe('issuer and audience', () => {
  it('refuses a wrong iss', async () => {
    await expect(await sign(h.keys.RS256!, claimsFor(`${h.issuer}/`)), 'token-issuer-unknown');
  });

  it('refuses a wrong aud, a missing aud and an aud of the wrong type', async () => {
    await expect(await sign(h.keys.RS256!, claimsFor(h.issuer, { aud: 'other' })), 'token-audience-invalid');
    await expect(
      await sign(h.keys.RS256!, claimsFor(h.issuer, { aud: ['a', 'b'] })),
      'token-audience-invalid',
    );
    await expect(await sign(h.keys.RS256!, claimsFor(h.issuer), { omit: ['aud'] }), 'token-audience-invalid');
    await expect(
      await signRaw(
        '{"alg":"RS256","kid":"rs256-1"}',
        JSON.stringify(claimsFor(h.issuer, { aud: { gatehouse: 1 } as unknown as string })),
      ),
      'token-audience-invalid',
    );
  });

  it('accepts an aud array holding one configured audience', async () => {
    const token = await sign(h.keys.RS256!, claimsFor(h.issuer, { aud: ['other', 'gatehouse'] }));
    assert.equal(outcome(await authn(h.auth, token)), 'authenticated');
  });

  it('refuses a token without sub', async () => {
    await expect(await sign(h.keys.RS256!, claimsFor(h.issuer), { omit: ['sub'] }), 'token-claim-missing');
  });
});

describe('signature', () => {
  it('refuses a tampered payload', async () => {
    const [header, , signature] = (await sign(h.keys.RS256!, claimsFor(h.issuer))).split('.');
    await expect(
      `${header}.${b64(claimsFor(h.issuer, { sub: 'admin' }))}.${signature}`,
      'token-signature-invalid',
    );
  });

  it('refuses a stripped signature (a.b.) as signature-invalid', async () => {
    const [header, payload] = (await sign(h.keys.RS256!, claimsFor(h.issuer))).split('.');
    await expect(`${header}.${payload}.`, 'token-signature-invalid');
  });

  it('refuses a truncated signature', async () => {
    const [header, payload, signature] = (await sign(h.keys.RS256!, claimsFor(h.issuer))).split('.');
    const short = Buffer.from(signature!, 'base64url').subarray(0, 200).toString('base64url');
    await expect(`${header}.${payload}.${short}`, 'token-signature-invalid');
  });

  it('refuses a truncated ES256 signature', async () => {
    const [header, payload, signature] = (await sign(h.keys.ES256!, claimsFor(h.issuer))).split('.');
    const short = Buffer.from(signature!, 'base64url').subarray(0, 63).toString('base64url');
    await expect(`${header}.${payload}.${short}`, 'token-signature-invalid');
  });

  it('refuses a token signed by another key under a known kid', async () => {
    const impostor = await makeKey('RS256', 'rs256-1');
    await expect(await sign(impostor, claimsFor(h.issuer)), 'token-signature-invalid');
  });

  it('refuses an unknown kid as key-not-found', async () => {
    const stranger = await makeKey('RS256', 'never-published');
    await expect(await sign(stranger, claimsFor(h.issuer)), 'token-key-not-found');
  });
});

describe('encoding', () => {
  it('refuses invalid base64url in the header, payload or signature', async () => {
    const [header, payload, signature] = (await sign(h.keys.RS256!, claimsFor(h.issuer))).split('.');
    await expect(`${header}*.${payload}.${signature}`, 'token-malformed');
    await expect(`${header}.${payload}+.${signature}`, 'token-malformed');
    await expect(`${header}.${payload}.${signature}/`, 'token-malformed');
    await expect(`${header}=.${payload}.${signature}`, 'token-malformed');
  });

  it('refuses non-canonical base64url (padding bits set)', async () => {
    const token = await sign(h.keys.RS256!, claimsFor(h.issuer));
    const [header, payload, signature] = token.split('.');
    // The signature of RS256 is 256 bytes: 342 characters, the last holding 4 padding bits.
    const last = signature!.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(last) ^ 1]!;
    await expect(`${header}.${payload}.${signature!.slice(0, -1)}${twin}`, 'token-malformed');
  });

  it('refuses a wrong number of parts (two, four, a five-part JWE)', async () => {
    const token = await sign(h.keys.RS256!, claimsFor(h.issuer));
    const [header, payload, signature] = token.split('.');
    await expect(`${header}.${payload}`, 'token-malformed');
    await expect(`${token}.${signature}`, 'token-malformed');
    await expect(`${b64({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.a.b.c.d`, 'token-malformed');
  });

  it('refuses a header or payload that is not a JSON object', async () => {
    await expect(`${b64('["RS256"]')}.${b64(claimsFor(h.issuer))}.c2ln`, 'token-malformed');
    await expect(`${b64({ alg: 'RS256' })}.${b64('"just text"')}.c2ln`, 'token-malformed');
    await expect(`${b64({ alg: 'RS256' })}.${b64('{"iss":')}.c2ln`, 'token-malformed');
  });

  it('refuses invalid UTF-8 in the payload', async () => {
    const badUtf8 = Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]).toString('base64url'); // {"\xc3(":1}
    await expect(`${b64({ alg: 'RS256' })}.${badUtf8}.c2ln`, 'token-malformed');
  });
});

describe('duplicate JSON members', () => {
  it('refuses a duplicate alg in the header', async () => {
    const payload = JSON.stringify(claimsFor(h.issuer));
    await expect(await signRaw('{"alg":"none","kid":"rs256-1","alg":"RS256"}', payload), 'token-malformed');
  });

  it('refuses a duplicate claim in a validly signed payload', async () => {
    const payload = JSON.stringify(claimsFor(h.issuer)).replace(/}$/, ',"sub":"admin"}');
    await expect(await signRaw('{"alg":"RS256","kid":"rs256-1"}', payload), 'token-malformed');
  });

  it('refuses a duplicate hidden by a unicode escape', async () => {
    const payload = JSON.stringify(claimsFor(h.issuer)).replace(/}$/, ',"\\u0073ub":"admin"}');
    await expect(await signRaw('{"alg":"RS256","kid":"rs256-1"}', payload), 'token-malformed');
  });

  it('accepts the same bytes without the duplicate (the test token itself is sound)', async () => {
    const token = await signRaw('{"alg":"RS256","kid":"rs256-1"}', JSON.stringify(claimsFor(h.issuer)));
    assert.equal(outcome(await authn(h.auth, token)), 'authenticated');
  });
});

describe('size', () => {
  it('refuses a token over the size limit before decoding it', async () => {
    await expect(`${'a'.repeat(9000)}.b.c`, 'token-too-large');
  });

  it('refuses a validly signed token over its issuer limit', async () => {
    const small = await startHarness({ settings: { maxTokenBytes: 512 } });
    try {
      const token = await sign(small.keys.RS256!, claimsFor(small.issuer, { pad: 'x'.repeat(400) }));
      assert.ok(token.length > 512 && token.length < 8192);
      assert.equal(outcome(await authn(small.auth, token)), 'token-too-large');
    } finally {
      await small.close();
    }
  });

  it('refuses a JSON nesting bomb as malformed', async () => {
    const deep = `{"iss":"${h.issuer}","x":${'['.repeat(40)}${']'.repeat(40)}}`;
    await expect(`${b64({ alg: 'RS256' })}.${b64(deep)}.c2ln`, 'token-malformed');
  });
});

describe('CompactSign interop', () => {
  it('verifies a token produced by jose CompactSign from raw bytes', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify(claimsFor(h.issuer)));
    const token = await new CompactSign(bytes)
      .setProtectedHeader({ alg: 'ES256', kid: 'es256-1' })
      .sign(h.keys.ES256!.privateKey);
    assert.equal(outcome(await authn(h.auth, token, NOW)), 'authenticated');
  });
});
