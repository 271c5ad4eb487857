import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { request } from 'undici';
import { createTestPki, type TestPki } from '../src/identity/mtls/test-pki.ts';
import {
  type RunningGatehouse,
  startEchoUpstream,
  startGatehouse,
  type Upstream,
} from './helpers/servers.ts';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';

describe('workload identity end to end: Kubernetes service-account JWTs and SPIFFE mTLS', () => {
  let up: Upstream;
  let gh: RunningGatehouse;
  let jwks: http.Server;
  let pki: TestPki;
  let signKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  let client: ReturnType<TestPki['svid']>;
  let otherDomainClient: ReturnType<TestPki['svid']>;
  let serverCa: ReturnType<TestPki['ca']>;

  before(async () => {
    up = await startEchoUpstream();
    const pair = await generateKeyPair('ES256');
    signKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    jwks = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    pki = createTestPki();
    const ca = pki.ca('prod-ca');
    const otherCa = pki.ca('other-ca');
    client = pki.svid('client', ca, 'spiffe://prod.example.org/ns/payments/sa/api');
    otherDomainClient = pki.svid('other', otherCa, 'spiffe://other.example.org/ns/x/sa/y');
    serverCa = pki.ca('server-ca');
    const server = pki.server('gatehouse', serverCa);
    gh = await startGatehouse({
      listeners: [
        { name: 'web', port: 0 },
        {
          name: 'mtls',
          port: 0,
          tls: { certFile: server.certFile, keyFile: server.keyFile, clientCertificates: 'optional' },
        },
      ],
      identity: {
        jwt: [
          {
            name: 'cluster',
            issuer: ISSUER,
            jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`,
            audiences: ['gatehouse'],
            kubernetes: true,
            maxLifetimeSeconds: 3600,
          },
        ],
        mtls: {
          trustDomains: [
            { name: 'prod.example.org', bundleFile: pki.writeBundle('prod.pem', [ca]) },
            { name: 'other.example.org', bundleFile: pki.writeBundle('other.pem', [otherCa]) },
          ],
        },
      },
      routes: [
        {
          id: 'deploy',
          match: { host: 'api.test', path: '/deploy' },
          upstream: up.url,
          policy: { allow: [{ id: 'ci', kubernetes: { namespace: ['ci'], serviceAccount: ['deployer'] } }] },
        },
        {
          id: 'payments',
          match: { host: 'api.test', path: '/payments' },
          upstream: up.url,
          requireMtls: true,
          policy: {
            allow: [
              { id: 'prod-payments', spiffeId: { trustDomain: 'prod.example.org', path: '/ns/payments/**' } },
            ],
          },
        },
      ],
    });
  });
  after(async () => {
    await gh.close();
    await up.close();
    jwks.close();
    pki.close();
  });

  async function token(
    sub: string,
    ns: string,
    sa: string,
    opts: { lifetime?: number; iatOffset?: number } = {},
  ) {
    const now = Math.floor(Date.now() / 1000) + (opts.iatOffset ?? 0);
    return new SignJWT({ 'kubernetes.io': { namespace: ns, serviceaccount: { name: sa, uid: 'u1' } } })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience('gatehouse')
      .setSubject(sub)
      .setIssuedAt(now)
      .setExpirationTime(now + (opts.lifetime ?? 600))
      .sign(signKey);
  }

  async function call(path: string, bearer?: string) {
    const res = await request(`${gh.url}${path}`, {
      headers: {
        host: 'api.test',
        accept: 'application/json',
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, body: JSON.parse(text) };
  }

  it('admits the allowed service account and tells the upstream who it is', async () => {
    const r = await call('/deploy/app', await token('system:serviceaccount:ci:deployer', 'ci', 'deployer'));
    assert.equal(r.status, 200);
    const assertion = r.body.headers['x-gatehouse-assertion'];
    const claims = JSON.parse(Buffer.from(assertion.split('.')[1], 'base64url').toString());
    assert.equal(claims.sub, 'system:serviceaccount:ci:deployer');
    assert.equal(claims.kind, 'workload');
    assert.equal(claims.auth_method, 'jwt');
    assert.equal(r.body.headers.authorization, undefined, 'the bearer token is not forwarded by default');
  });

  it('denies another service account with 403 and the failing criterion', async () => {
    const r = await call('/deploy/app', await token('system:serviceaccount:web:frontend', 'web', 'frontend'));
    assert.equal(r.status, 403);
    assert.equal(r.body.error, 'no-rule-matched');
    assert.deepEqual(r.body.reasons, ['no-rule-matched', 'kubernetes-unauthorized']);
  });

  it('answers 401 without a credential and 401 invalid_token for an over-long lifetime', async () => {
    const none = await call('/deploy/app');
    assert.equal(none.status, 401);
    assert.match(String(none.headers['www-authenticate']), /^Bearer realm="gatehouse"/);
    const long = await call(
      '/deploy/app',
      await token('system:serviceaccount:ci:deployer', 'ci', 'deployer', { lifetime: 7200 }),
    );
    assert.equal(long.status, 401);
    assert.equal(long.body.error, 'token-lifetime-too-long');
    assert.match(String(long.headers['www-authenticate']), /error="invalid_token"/);
  });

  function tlsCall(
    path: string,
    cert?: { certFile: string; keyFile: string; chainPem?: string; keyPem: string },
  ) {
    return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: gh.gateway.listenerPort('mtls'),
          path,
          method: 'GET',
          headers: { host: 'api.test', accept: 'application/json' },
          ca: serverCa.certPem,
          servername: 'localhost',
          ...(cert ? { cert: cert.chainPem ?? '', key: cert.keyPem } : {}),
          agent: false,
        },
        (res) => {
          let text = '';
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('admits a SPIFFE workload over mTLS and propagates its SPIFFE ID', async () => {
    const r = await tlsCall('/payments/charge', client);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const headers = r.body.headers as Record<string, string>;
    const claims = JSON.parse(
      Buffer.from(headers['x-gatehouse-assertion']!.split('.')[1]!, 'base64url').toString(),
    );
    assert.equal(claims.sub, 'spiffe://prod.example.org/ns/payments/sa/api');
    assert.equal(claims.auth_method, 'mtls');
    assert.equal(headers['x-forwarded-proto'], 'https');
  });

  it('refuses mTLS-only routes to callers without a certificate, and certificates of another trust domain', async () => {
    const noCert = await tlsCall('/payments/charge');
    assert.equal(noCert.status, 401);
    assert.equal(noCert.body.error, 'cert-required');
    const other = await tlsCall('/payments/charge', otherDomainClient);
    assert.equal(other.status, 403);
    assert.deepEqual(other.body.reasons, ['no-rule-matched', 'spiffe-id-unauthorized']);
  });
});
