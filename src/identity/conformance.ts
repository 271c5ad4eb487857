/**
 * The shared conformance suite for {@link Authenticator} implementations (hono's
 * `common.case.test.ts` pattern): every authenticator runs it from its own test file, so the
 * contract in authenticator.ts is checked the same way for each.
 *
 * Imported by tests only: it registers node:test tests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isReason, type RequestInfo } from '../model/index.ts';
import type { Authenticator, AuthnResult } from './authenticator.ts';

export interface ConformanceSetup {
  readonly authenticator: Authenticator;
  /** Carries a valid credential of the authenticator's kind. */
  readonly validRequest: RequestInfo;
  /** Carries no credential of its kind (it may carry others). */
  readonly foreignRequest: RequestInfo;
  /** Carries a credential of its kind that is bad. */
  readonly badRequest: RequestInfo;
  /** The injected clock for every call, epoch seconds (default: the wall clock). */
  readonly nowSeconds?: number;
  /** Raw credential values that must never appear in a principal (header values are checked anyway). */
  readonly secrets?: readonly string[];
  readonly cleanup: () => void | Promise<void>;
}

const STATUSES = new Set(['not-mine', 'authenticated', 'denied']);
const METHODS = new Set(['session', 'jwt', 'mtls']);
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * Registers the conformance tests for one authenticator under `describe(name)`:
 * foreign -> not-mine; valid -> authenticated with a frozen, complete principal; bad ->
 * denied with a reason from REASONS; garbage requests never throw; no raw credential in the
 * principal.
 */
export function authenticatorConformance(name: string, setup: () => Promise<ConformanceSetup>): void {
  describe(`${name}: authenticator conformance`, () => {
    let ctx: ConformanceSetup;
    let now: number;
    before(async () => {
      ctx = await setup();
      now = ctx.nowSeconds ?? Math.floor(Date.now() / 1000);
    });
    after(() => ctx?.cleanup());

    const run = (request: RequestInfo): Promise<AuthnResult> =>
      Promise.resolve(ctx.authenticator.authenticate(request, now));

    it('has a stable name', () => {
      assert.equal(typeof ctx.authenticator.name, 'string');
      assert.match(ctx.authenticator.name, /^[a-z][a-z0-9-]*$/);
    });

    it('says not-mine to a request without its kind of credential', async () => {
      assert.deepEqual(await run(ctx.foreignRequest), { status: 'not-mine' });
    });

    it('authenticates a valid credential with a frozen, complete principal', async () => {
      const result = await run(ctx.validRequest);
      assert.equal(result.status, 'authenticated', JSON.stringify(result));
      if (result.status !== 'authenticated') return;
      const p = result.principal;
      assert.ok(Object.isFrozen(p), 'principal is frozen');
      assert.ok(p.kind === 'user' || p.kind === 'workload');
      for (const field of ['subject', 'issuer', 'source'] as const) {
        assert.equal(typeof p[field], 'string', field);
        assert.notEqual(p[field], '', field);
      }
      assert.ok(METHODS.has(p.method));
      assert.ok(Array.isArray(p.groups) && Object.isFrozen(p.groups));
      assert.ok(p.groups.every((g) => typeof g === 'string'));
      assert.ok(typeof p.claims === 'object' && p.claims !== null && Object.isFrozen(p.claims));
      if (p.expiresAt !== undefined) assert.ok(Number.isFinite(p.expiresAt));
      if (p.authTime !== undefined) assert.ok(Number.isFinite(p.authTime));
    });

    it('gives the same outcome for the same valid request twice', async () => {
      const first = await run(ctx.validRequest);
      const second = await run(ctx.validRequest);
      assert.equal(second.status, first.status);
    });

    it('denies a bad credential with a reason from the closed list', async () => {
      const result = await run(ctx.badRequest);
      assert.equal(result.status, 'denied', JSON.stringify(result));
      if (result.status !== 'denied') return;
      assert.ok(isReason(result.reason), `unknown reason ${result.reason}`);
      assert.notEqual(result.reason, 'internal-error', 'a bad credential has a specific reason');
    });

    it('puts no raw credential in the principal', async () => {
      const result = await run(ctx.validRequest);
      assert.equal(result.status, 'authenticated');
      if (result.status !== 'authenticated') return;
      const text = JSON.stringify(result.principal);
      const secrets = [...(ctx.secrets ?? []), ...credentialValues(ctx.validRequest)];
      for (const secret of secrets) {
        if (secret.length >= 8)
          assert.ok(!text.includes(secret), 'a raw credential appears in the principal');
      }
    });

    it('never throws, whatever the request holds', async () => {
      for (const [label, request] of garbageRequests(ctx.validRequest)) {
        let result: AuthnResult;
        try {
          result = await run(request);
        } catch (err) {
          assert.fail(`${label}: threw ${String(err)}`);
        }
        assert.ok(STATUSES.has(result.status), `${label}: status ${result.status}`);
        if (result.status === 'denied')
          assert.ok(isReason(result.reason), `${label}: reason ${result.reason}`);
      }
    });

    it('closes without throwing, twice', () => {
      ctx.authenticator.close?.();
      ctx.authenticator.close?.();
    });
  });
}

/** Values of credential-carrying headers, and the credential after an auth scheme. */
function credentialValues(request: RequestInfo): string[] {
  const values: string[] = [];
  for (const header of CREDENTIAL_HEADERS) {
    const value = request.headers[header];
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      values.push(one);
      const space = one.indexOf(' ');
      if (space > 0) values.push(one.slice(space + 1).trim());
    }
  }
  return values;
}

function throwingHeaders(headers: RequestInfo['headers']): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...headers };
  for (const name of [...CREDENTIAL_HEADERS, 'host']) {
    Object.defineProperty(copy, name, {
      enumerable: true,
      get() {
        throw new Error('header getter exploded');
      },
    });
  }
  return copy;
}

/** Requests no well-behaved HTTP parser produces, built from a valid one. */
function garbageRequests(valid: RequestInfo): [string, RequestInfo][] {
  const huge = 'A'.repeat(1024 * 1024);
  const withHeaders = (headers: Record<string, unknown>): RequestInfo => ({
    ...valid,
    headers: headers as RequestInfo['headers'],
  });
  const auth = valid.headers.authorization;
  return [
    ['no headers at all', withHeaders({})],
    ['headers missing', { ...valid, headers: undefined as never }],
    ['a header getter that throws', withHeaders(throwingHeaders(valid.headers))],
    [
      'authorization as an array',
      withHeaders({ ...valid.headers, authorization: [auth ?? 'x', 'Bearer y'] }),
    ],
    ['authorization as an empty array', withHeaders({ ...valid.headers, authorization: [] })],
    ['authorization as a number', withHeaders({ ...valid.headers, authorization: 42 })],
    ['authorization as an object', withHeaders({ ...valid.headers, authorization: { toString: 1 } })],
    ['authorization of 1 MiB', withHeaders({ ...valid.headers, authorization: `Bearer ${huge}` })],
    ['scheme of 1 MiB', withHeaders({ ...valid.headers, authorization: huge })],
    ['control characters', withHeaders({ ...valid.headers, authorization: 'Bearer \u0000\u0001\u007f' })],
    ['cookie of 1 MiB', withHeaders({ ...valid.headers, cookie: `session=${huge}` })],
    ['cookie as an array', withHeaders({ ...valid.headers, cookie: ['a=b', 'c=d'] })],
    [
      'every header an array',
      withHeaders(Object.fromEntries(Object.entries(valid.headers).map(([k, v]) => [k, [v, v]]))),
    ],
    [
      'prototype-named headers',
      withHeaders(JSON.parse('{"__proto__":{"authorization":"Bearer x"},"constructor":"x"}')),
    ],
    ['headers without a prototype', withHeaders(Object.assign(Object.create(null), valid.headers))],
    [
      'an unverified client certificate',
      { ...valid, clientCertificate: {} as never, clientCertificateAuthorized: false },
    ],
    [
      'a bogus client certificate',
      { ...valid, clientCertificate: { raw: 'x' } as never, clientCertificateAuthorized: true },
    ],
  ];
}
