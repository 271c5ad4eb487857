import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
// Through the workspace link, as a service would import it.
import {
  type ExpressLikeRequest,
  type ExpressLikeResponse,
  type FastifyLikeReply,
  type FastifyLikeRequest,
  gatehouseExpress,
  gatehouseFastify,
} from '../src/index.ts';
import { assertion, NOW, type SigningKey, signingKey } from './fixtures.ts';

/**
 * Express and Fastify are not dependencies of this package, so the adapters are exercised
 * with objects shaped like theirs: Express's (req, res, next) with res.status().set().json(),
 * and Fastify's onRequest (request, reply) with reply.code().header().send().
 */

const ISSUER = 'https://gatehouse.example';
let key: SigningKey;
let options: Parameters<typeof gatehouseExpress>[0];

before(async () => {
  key = await signingKey('ES256', 'k1');
  options = { issuer: ISSUER, audience: 'orders', keys: [key.publicJwk], now: () => NOW };
});

interface ExpressOutcome {
  readonly next?: unknown[];
  readonly status?: number;
  readonly headers: Record<string, string>;
  readonly json?: unknown;
}

function runExpress(
  mw: ReturnType<typeof gatehouseExpress>,
  req: ExpressLikeRequest,
): Promise<ExpressOutcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    let status: number | undefined;
    const res: ExpressLikeResponse = {
      status(code) {
        status = code;
        return res;
      },
      set(field, value) {
        headers[field.toLowerCase()] = value;
        return res;
      },
      json(body) {
        resolve({ ...(status !== undefined ? { status } : {}), headers, json: body });
        return res;
      },
    };
    mw(req, res, (...args: unknown[]) => resolve({ next: args, headers }));
  });
}

function expressRequest(o: {
  token?: string;
  url: string;
  originalUrl?: string;
  method?: string;
}): ExpressLikeRequest {
  const headers: Record<string, string> = { host: 'upstream.test:3000' };
  if (o.token) headers['x-gatehouse-assertion'] = o.token;
  return {
    method: o.method ?? 'GET',
    url: o.url,
    ...(o.originalUrl ? { originalUrl: o.originalUrl } : {}),
    headers,
    rawHeaders: Object.entries(headers).flat(),
  };
}

describe('gatehouseExpress', () => {
  it('sets req.gatehouse and calls next() for a valid assertion', async () => {
    const req = expressRequest({ token: await assertion(key, { iss: ISSUER }), url: '/orders/42' });
    const out = await runExpress(gatehouseExpress(options), req);
    assert.deepEqual(out.next, []);
    assert.equal(out.status, undefined);
    assert.equal(req.gatehouse?.subject, 'user-123');
    assert.deepEqual(req.gatehouse?.groups, ['eng', 'oncall']);
  });

  it('binds to req.originalUrl, so a router mounted on a path works', async () => {
    // app.use('/orders', router): Express rewrites req.url to '/42?x=1'.
    const req = expressRequest({
      token: await assertion(key, { iss: ISSUER }),
      url: '/42?x=1',
      originalUrl: '/orders/42?x=1',
    });
    const out = await runExpress(gatehouseExpress(options), req);
    assert.deepEqual(out.next, []);
    assert.equal(req.gatehouse?.audience, 'orders');
  });

  it('answers 401 {error} and does not call next() without an assertion', async () => {
    const req = expressRequest({ url: '/orders/42' });
    const out = await runExpress(gatehouseExpress(options), req);
    assert.equal(out.next, undefined);
    assert.equal(out.status, 401);
    assert.deepEqual(out.json, { error: 'missing' });
    assert.equal(out.headers['cache-control'], 'no-store');
    assert.equal(req.gatehouse, undefined);
  });

  it('answers 401 binding for an assertion replayed at another path or method', async () => {
    const token = await assertion(key, { iss: ISSUER });
    const seen: string[] = [];
    const mw = gatehouseExpress({ ...options, onFailure: (e) => seen.push(e.code) });
    const other = await runExpress(mw, expressRequest({ token, url: '/orders/43' }));
    assert.deepEqual([other.status, other.json], [401, { error: 'binding' }]);
    const post = await runExpress(mw, expressRequest({ token, url: '/orders/42', method: 'POST' }));
    assert.deepEqual([post.status, post.json], [401, { error: 'binding' }]);
    assert.deepEqual(seen, ['binding', 'binding']);
  });
});

function fastifyReply(): FastifyLikeReply & {
  statusCode?: number;
  headers: Record<string, string>;
  sent?: unknown;
} {
  const reply = {
    headers: {} as Record<string, string>,
    statusCode: undefined as number | undefined,
    sent: undefined as unknown,
    code(n: number) {
      reply.statusCode = n;
      return reply;
    },
    header(name: string, value: string) {
      reply.headers[name] = value;
      return reply;
    },
    send(payload?: unknown) {
      reply.sent = payload;
      return reply;
    },
  };
  return reply;
}

function fastifyRequest(o: { tokens: string[]; url: string; method?: string }): FastifyLikeRequest {
  const raw = ['Host', 'upstream.test', ...o.tokens.flatMap((t) => ['X-Gatehouse-Assertion', t])];
  return {
    method: o.method ?? 'GET',
    url: o.url,
    // Fastify's request.headers is Node's parsed object: repeated unknown headers are joined.
    headers: {
      host: 'upstream.test',
      ...(o.tokens.length ? { 'x-gatehouse-assertion': o.tokens.join(', ') } : {}),
    },
    raw: { rawHeaders: raw },
  };
}

describe('gatehouseFastify (onRequest hook)', () => {
  it('sets request.gatehouse and lets the request continue', async () => {
    const request = fastifyRequest({
      tokens: [await assertion(key, { iss: ISSUER })],
      url: '/orders/42?page=2',
    });
    const reply = fastifyReply();
    const result = await gatehouseFastify(options)(request, reply);
    assert.equal(result, undefined);
    assert.equal(reply.sent, undefined);
    assert.equal(request.gatehouse?.email, 'alice@example.com');
  });

  it('sends 401 {error} and returns the reply, so Fastify stops the request', async () => {
    const request = fastifyRequest({ tokens: [], url: '/orders/42' });
    const reply = fastifyReply();
    const result = await gatehouseFastify(options)(request, reply);
    assert.equal(result, reply);
    assert.equal(reply.statusCode, 401);
    assert.deepEqual(reply.sent, { error: 'missing' });
    assert.equal(reply.headers['cache-control'], 'no-store');
    assert.equal(request.gatehouse, undefined);
  });

  it('refuses a replay at another host and a repeated assertion header', async () => {
    const other = await assertion(key, { iss: ISSUER, host: 'other.test' });
    const reply = fastifyReply();
    await gatehouseFastify(options)(fastifyRequest({ tokens: [other], url: '/orders/42' }), reply);
    assert.deepEqual([reply.statusCode, reply.sent], [401, { error: 'binding' }]);

    const good = await assertion(key, { iss: ISSUER });
    const twice = fastifyReply();
    await gatehouseFastify(options)(fastifyRequest({ tokens: [good, good], url: '/orders/42' }), twice);
    assert.deepEqual([twice.statusCode, twice.sent], [401, { error: 'malformed' }]);
  });
});
