/**
 * The Envoy ext_authz gRPC service, called by a @grpc/grpc-js client built from the repo's
 * protos with CheckRequests shaped like Envoy's (Envoy itself is not installable here).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Client, credentials, type ServiceError } from '@grpc/grpc-js';
import { authorizationService } from '../src/forward-auth/index.ts';
import { createTestPki, type TestPki } from '../src/identity/mtls/test-pki.ts';
import type { RequestFinishedEvent } from '../src/observe/index.ts';
import { nextEvent } from './helpers/events.ts';
import {
  APP_HOST,
  forwardAuthConfig,
  jwtPayload,
  type TestIssuer,
  testIssuer,
} from './helpers/forward-auth.ts';
import { type RunningGatehouse, startGatehouse } from './helpers/servers.ts';

interface HeaderOption {
  header: { key: string; value: string };
  append_action?: number;
}
interface CheckResponse {
  status: { code: number; message?: string };
  http_response?: string;
  ok_response?: { headers?: HeaderOption[]; headers_to_remove?: string[] };
  denied_response?: { status: { code: number }; headers?: HeaderOption[]; body?: string };
}

type Check = (request: unknown) => Promise<CheckResponse>;

function checker(client: Client): Check {
  return (request) =>
    new Promise((resolve, reject) => {
      (
        client as unknown as {
          Check: (r: unknown, cb: (e: ServiceError | null, v: CheckResponse) => void) => void;
        }
      ).Check(request, (err, value) => (err ? reject(err) : resolve(value)));
    });
}

/** A CheckRequest as Envoy's HTTP ext_authz filter builds it. */
function envoyRequest(
  path: string,
  headers: Record<string, string> = {},
  options: { method?: string; principal?: string; host?: string } = {},
) {
  const method = options.method ?? 'GET';
  const host = options.host ?? APP_HOST;
  return {
    attributes: {
      source: {
        address: { socket_address: { address: '198.51.100.7', port_value: 52100 } },
        ...(options.principal ? { principal: options.principal } : {}),
      },
      destination: { address: { socket_address: { address: '10.0.0.10', port_value: 8443 } } },
      request: {
        http: {
          id: '8d3f8c0e-7c2a-4f7e-9a53-5b0a6f2f1c11',
          method,
          path,
          host,
          scheme: 'https',
          protocol: 'HTTP/1.1',
          headers: { ':authority': host, ':method': method, ':path': path, ':scheme': 'https', ...headers },
        },
      },
    },
  };
}

function header(list: HeaderOption[] | undefined, name: string): string | undefined {
  return list?.find((h) => h.header.key === name)?.header.value;
}

describe('ext_authz gRPC (envoy.service.auth.v3.Authorization/Check)', () => {
  let issuer: TestIssuer;
  let gh: RunningGatehouse;
  let client: Client;
  let check: Check;

  before(async () => {
    issuer = await testIssuer();
    const base = forwardAuthConfig(issuer, { grpc: { port: 0, trustSourcePrincipal: true } });
    gh = await startGatehouse({
      ...base,
      routes: [
        {
          id: 'payments',
          match: { host: APP_HOST, path: '/payments' },
          policy: { allow: [{ spiffeId: { trustDomain: 'prod.example.org', path: '/ns/payments/**' } }] },
          assertion: { audience: 'payments' },
        },
        ...(base.routes as unknown[]),
      ],
    });
    const { Client } = authorizationService();
    client = new Client(`127.0.0.1:${gh.gateway.extAuthzPort}`, credentials.createInsecure());
    check = checker(client);
  });
  after(async () => {
    client?.close();
    await gh?.close();
    issuer?.close();
  });

  it('allows a public route: OK, the assertion overwrites, forged identity headers are removed', async () => {
    const r = await check(
      envoyRequest('/public/x?y=1', { 'x-forwarded-user': 'admin', 'x-gatehouse-assertion': 'forged' }),
    );
    assert.equal(r.status.code, 0);
    assert.equal(r.http_response, 'ok_response');
    const headers = r.ok_response?.headers;
    const assertion = header(headers, 'x-gatehouse-assertion');
    assert.ok(assertion && assertion !== 'forged');
    assert.equal(jwtPayload(assertion).aud, 'app');
    assert.equal(
      headers?.find((h) => h.header.key === 'x-gatehouse-assertion')?.append_action,
      2,
      'OVERWRITE_IF_EXISTS_OR_ADD',
    );
    assert.deepEqual(r.ok_response?.headers_to_remove, ['x-forwarded-user']);
    assert.equal(header(headers, 'x-request-id'), '8d3f8c0e-7c2a-4f7e-9a53-5b0a6f2f1c11');
  });

  it('allows alice with a bearer JWT and denies bob with 403 and a body', async () => {
    const ok = await check(envoyRequest('/dash', { authorization: `Bearer ${await issuer.token('alice')}` }));
    assert.equal(ok.status.code, 0);
    assert.equal(jwtPayload(header(ok.ok_response?.headers, 'x-gatehouse-assertion')!).sub, 'alice');
    assert.equal(header(ok.ok_response?.headers, 'x-gatehouse-user'), 'alice');

    const no = await check(
      envoyRequest('/dash', {
        authorization: `Bearer ${await issuer.token('bob')}`,
        accept: 'application/json',
      }),
    );
    assert.equal(no.status.code, 7, 'PERMISSION_DENIED');
    assert.equal(no.http_response, 'denied_response');
    assert.equal(no.denied_response?.status.code, 403);
    assert.equal(header(no.denied_response?.headers, 'x-gatehouse-reason'), 'no-rule-matched');
    assert.equal(JSON.parse(no.denied_response?.body ?? '').error, 'no-rule-matched');
  });

  it('401 with WWW-Authenticate for an API client, 302 to sign in for a browser', async () => {
    const api = await check(envoyRequest('/dash', { accept: 'application/json' }));
    assert.equal(api.status.code, 16, 'UNAUTHENTICATED');
    assert.equal(api.denied_response?.status.code, 401);
    assert.match(header(api.denied_response?.headers, 'www-authenticate') ?? '', /^Bearer realm="gatehouse"/);

    const browser = await check(envoyRequest('/dash/x?tab=1', { accept: 'text/html' }));
    assert.equal(browser.denied_response?.status.code, 302);
    const location = new URL(header(browser.denied_response?.headers, 'location') ?? '');
    assert.equal(location.searchParams.get('rd'), `https://${APP_HOST}/dash/x?tab=1`);
  });

  it('uses the gateway-verified SPIFFE source principal as the workload identity', async () => {
    const seen = nextEvent<RequestFinishedEvent>(
      'gatehouse:request:finished',
      (e) => e.via === 'ext-authz' && e.request.path === '/payments/charge',
    );
    const r = await check(
      envoyRequest(
        '/payments/charge',
        {},
        { method: 'POST', principal: 'spiffe://prod.example.org/ns/payments/sa/api' },
      ),
    );
    assert.equal(r.status.code, 0);
    const claims = jwtPayload(header(r.ok_response?.headers, 'x-gatehouse-assertion')!);
    assert.equal(claims.sub, 'spiffe://prod.example.org/ns/payments/sa/api');
    assert.equal(claims.aud, 'payments');
    const e = await seen;
    assert.equal(e.request.method, 'POST');
    assert.equal(e.request.clientAddress, '198.51.100.7');
    // no trust domain is configured to name Kubernetes service accounts (identity.mtls kubernetes: true)
    assert.equal(e.decision.principal?.kubernetes, undefined);

    const other = await check(
      envoyRequest('/payments/charge', {}, { principal: 'spiffe://prod.example.org/ns/web/sa/ui' }),
    );
    assert.equal(other.denied_response?.status.code, 403);
    const notSpiffe = await check(envoyRequest('/payments/charge', {}, { principal: 'CN=api,O=corp' }));
    assert.equal(header(notSpiffe.denied_response?.headers, 'x-gatehouse-reason'), 'cert-spiffe-id-invalid');
  });

  it('normalises the path as the proxy does; ambiguous paths are denied', async () => {
    const dots = await check(envoyRequest('/public/../dash', { accept: 'application/json' }));
    assert.equal(dots.denied_response?.status.code, 401, 'decided on /dash');
    for (const path of ['/public/..%2fdash', '/public;x/../dash', 'public', '/public\\..\\dash']) {
      const r = await check(envoyRequest(path, { accept: 'application/json' }));
      assert.equal(r.denied_response?.status.code, 403, path);
      assert.equal(header(r.denied_response?.headers, 'x-gatehouse-reason'), 'request-invalid', path);
    }
  });

  it('malformed CheckRequests are denied, never an error', async () => {
    const cases: [unknown, string][] = [
      [{}, 'forward-auth-headers-missing'],
      [{ attributes: {} }, 'forward-auth-headers-missing'],
      [
        { attributes: { request: { http: { method: 'GET', path: '/public' } } } },
        'forward-auth-headers-missing',
      ],
      [envoyRequest('/public', { ':path': '/dash' }), 'forward-auth-headers-conflict'],
      [envoyRequest('/public', { host: 'evil.test' }), 'forward-auth-headers-conflict'],
      [envoyRequest('/public', { 'x-big': 'a'.repeat(40_000) }), 'request-invalid'],
      [envoyRequest('/public', {}, { method: 'NOTAMETHOD' }), 'request-invalid'],
      [envoyRequest('/public', {}, { host: 'bad host' }), 'request-invalid'],
    ];
    for (const [request, reason] of cases) {
      const r = await check(request);
      assert.notEqual(r.status.code, 0, JSON.stringify(request).slice(0, 80));
      assert.equal(r.denied_response?.status.code, 403);
      assert.equal(
        header(r.denied_response?.headers, 'x-gatehouse-reason'),
        reason,
        JSON.stringify(request).slice(0, 120),
      );
    }
  });

  it('raw header_map (encode_raw_headers) is read, repeats included', async () => {
    const r = await check({
      attributes: {
        request: {
          http: {
            method: 'GET',
            path: '/public',
            host: APP_HOST,
            scheme: 'https',
            header_map: {
              headers: [
                { key: ':authority', raw_value: Buffer.from(APP_HOST) },
                { key: 'x-forwarded-user', raw_value: Buffer.from('a') },
                { key: 'x-forwarded-user', raw_value: Buffer.from('b') },
              ],
            },
          },
        },
      },
    });
    assert.equal(r.status.code, 0);
    assert.deepEqual(r.ok_response?.headers_to_remove, ['x-forwarded-user']);
  });

  it('a message over maxMessageBytes fails the call (Envoy then denies)', async () => {
    await assert.rejects(
      check(envoyRequest('/public', { 'x-huge': 'a'.repeat(5 * 1024 * 1024) })),
      (err: ServiceError) => err.code === 8,
    );
  });

  it('records one decision per check with via ext-authz', async () => {
    const seen = nextEvent<RequestFinishedEvent>(
      'gatehouse:request:finished',
      (e) => e.via === 'ext-authz' && e.request.path === '/public/recorded',
    );
    await check(envoyRequest('/public/recorded'));
    const e = await seen;
    assert.equal(e.status, 200);
    assert.equal(e.request.id, '8d3f8c0e-7c2a-4f7e-9a53-5b0a6f2f1c11');
  });
});

describe('ext_authz gRPC: trust settings', () => {
  let issuer: TestIssuer;
  let pki: TestPki;
  before(async () => {
    issuer = await testIssuer();
    pki = createTestPki();
  });
  after(() => {
    issuer.close();
    pki.close();
  });

  it('without trustSourcePrincipal the source principal is ignored', async () => {
    const gh = await startGatehouse(forwardAuthConfig(issuer, { grpc: { port: 0 } }));
    const client = new (authorizationService().Client)(
      `127.0.0.1:${gh.gateway.extAuthzPort}`,
      credentials.createInsecure(),
    );
    try {
      const r = await checker(client)(
        envoyRequest(
          '/dash',
          { accept: 'application/json' },
          { principal: 'spiffe://prod.example.org/ns/a/sa/b' },
        ),
      );
      assert.equal(r.denied_response?.status.code, 401);
    } finally {
      client.close();
      await gh.close();
    }
  });

  it('only configured trust domains are accepted when identity.mtls lists them', async () => {
    const ca = pki.ca('td-ca');
    const base = forwardAuthConfig(issuer, { grpc: { port: 0, trustSourcePrincipal: true } });
    const gh = await startGatehouse({
      ...base,
      identity: {
        ...(base.identity as object),
        mtls: { trustDomains: [{ name: 'prod.example.org', bundleFile: pki.writeBundle('td.pem', [ca]) }] },
      },
    });
    const client = new (authorizationService().Client)(
      `127.0.0.1:${gh.gateway.extAuthzPort}`,
      credentials.createInsecure(),
    );
    try {
      const r = await checker(client)(
        envoyRequest('/dash', {}, { principal: 'spiffe://other.example.org/ns/a/sa/b' }),
      );
      assert.equal(header(r.denied_response?.headers, 'x-gatehouse-reason'), 'cert-trust-domain-unknown');
    } finally {
      client.close();
      await gh.close();
    }
  });

  it('callers outside forwardAuth.trustedProxies are denied', async () => {
    const gh = await startGatehouse(
      forwardAuthConfig(issuer, { trustedProxies: ['10.0.0.0/8'], grpc: { port: 0 } }),
    );
    const client = new (authorizationService().Client)(
      `127.0.0.1:${gh.gateway.extAuthzPort}`,
      credentials.createInsecure(),
    );
    try {
      const r = await checker(client)(envoyRequest('/public'));
      assert.equal(r.status.code, 7);
      assert.equal(header(r.denied_response?.headers, 'x-gatehouse-reason'), 'forward-auth-untrusted-peer');
    } finally {
      client.close();
      await gh.close();
    }
  });

  it('over mTLS: only a gateway with a client certificate from clientCaFile may call', async () => {
    const ca = pki.ca('grpc-ca');
    const server = pki.server('grpc-server', ca);
    const gateway = pki.svid('gateway', ca, 'spiffe://prod.example.org/ns/istio-system/sa/ingress');
    const gh = await startGatehouse(
      forwardAuthConfig(issuer, {
        grpc: {
          port: 0,
          trustSourcePrincipal: true,
          tls: {
            certFile: server.certFile,
            keyFile: server.keyFile,
            clientCaFile: pki.writeBundle('grpc-ca.pem', [ca]),
          },
        },
      }),
    );
    const { Client } = authorizationService();
    const address = `127.0.0.1:${gh.gateway.extAuthzPort}`;
    const withCert = new Client(
      address,
      credentials.createSsl(
        Buffer.from(ca.certPem),
        Buffer.from(gateway.keyPem),
        Buffer.from(gateway.certPem),
      ),
    );
    const withoutCert = new Client(address, credentials.createSsl(Buffer.from(ca.certPem)));
    try {
      const ok = await checker(withCert)(envoyRequest('/public'));
      assert.equal(ok.status.code, 0);
      await assert.rejects(
        checker(withoutCert)(envoyRequest('/public')),
        (err: ServiceError) => err.code === 14,
      );
    } finally {
      withCert.close();
      withoutCert.close();
      await gh.close();
    }
  });
});
