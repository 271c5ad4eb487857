/**
 * Attacks on Gatehouse's TLS and mTLS listeners at the handshake and connection level, as an
 * outside evaluator sends them with real TLS clients on 127.0.0.1: old protocol versions and
 * weak cipher suites, SNI games, session resumption (TLS 1.2 tickets, TLS 1.3 PSK) across
 * clock and bundle changes and across listeners, client-initiated renegotiation, oversized
 * client chains, protocol confusion (HTTP on the TLS port, TLS on the HTTP port), stalled and
 * half-open handshakes, ALPN h2-only clients and pipelining over TLS.
 *
 * The rule SNI follows (docs/routing.md): a listener serves one certificate and routing and
 * policy use the canonical `Host` header only; the TLS server name is never consulted. A
 * client certificate belongs to its connection on its listener.
 *
 * It found two gaps, fixed with it: TLS 1.2 accepted CBC suites (now ECDHE/DHE with AEAD
 * only), and a stalled handshake held its connection for Node's default 120 s (now cut at
 * `proxy.clientHeadersTimeoutMs`).
 *
 * Each case asserts what the client sees and that Gatehouse keeps serving; the last case
 * checks that no secret or stack trace reached an answer or the operational log.
 * The clock is injected (`nowSeconds`): expiry cases move it, never sleep.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { SignJWT } from 'jose';
import { stringify } from 'yaml';
import type { MtlsAuthenticator } from '../src/identity/index.ts';
import { createTestPki, type TestCert, type TestPki } from '../src/identity/mtls/test-pki.ts';
import { Gateway } from '../src/server/index.ts';
import { engineParts } from '../src/server/parts.ts';
import { parseRawResponse } from './helpers/raw-http.ts';
import { capturingLogger, startEchoUpstream, type Upstream } from './helpers/servers.ts';

const STACK = /\bat [\w.<>]+ \(.*:\d+:\d+\)|\.ts:\d+:\d+/;
const CI_ISS = 'https://ci.example.test';
const PAYMENTS_ID = 'spiffe://prod.example.org/ns/payments/sa/api';
const CHECKOUT_ID = 'spiffe://prod.example.org/ns/checkout/sa/web';
/** The configured header timeout (ms): the bound asked of anything that stalls before a request. */
const HEADERS_TIMEOUT_MS = 1_500;

type Json = Record<string, unknown>;

interface Exchange {
  /** Handshake or socket error code / message, if any. */
  readonly error?: string;
  /** Whether the TLS handshake completed. */
  readonly secure: boolean;
  readonly protocol?: string | null;
  readonly cipher?: string;
  readonly alpn?: string | false | null;
  readonly reused: boolean;
  /** The last session (ticket) the server gave, for resumption. */
  readonly session?: Buffer;
  /** Every raw response read, concatenated. */
  readonly raw: string;
  readonly ms: number;
}

/**
 * Open one TLS connection to `port`, write `payload` once the handshake is done (if given),
 * and collect everything until the peer closes, `timeoutMs` passes or the socket fails.
 * `done` may end the wait early once the collected text is complete.
 */
function exchange(
  port: number,
  options: tls.ConnectionOptions,
  payload?: string | ((socket: tls.TLSSocket) => void),
  o: { timeoutMs?: number; done?: (raw: string) => boolean } = {},
): Promise<Exchange> {
  const started = Date.now();
  return new Promise((resolve) => {
    let raw = '';
    let session: Buffer | undefined;
    let error: string | undefined;
    let secure = false;
    let settled = false;
    let seen: Pick<Exchange, 'protocol' | 'cipher' | 'alpn' | 'reused'> = { reused: false };
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      rejectUnauthorized: false,
      ...options,
    });
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const result: Exchange = {
        ...(error !== undefined ? { error } : {}),
        secure,
        ...seen,
        ...(session ? { session } : {}),
        raw,
        ms: Date.now() - started,
      };
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(finish, o.timeoutMs ?? 5_000);
    socket.on('session', (s: Buffer) => {
      session = s;
    });
    socket.on('secureConnect', () => {
      secure = true;
      seen = {
        protocol: socket.getProtocol(),
        cipher: socket.getCipher()?.name,
        alpn: socket.alpnProtocol,
        reused: socket.isSessionReused(),
      };
      if (typeof payload === 'string') socket.write(payload);
      else payload?.(socket);
    });
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      raw += d;
      if (o.done?.(raw)) setImmediate(finish);
    });
    socket.on('end', () => setImmediate(finish));
    socket.on('close', () => setImmediate(finish));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
      setImmediate(finish);
    });
  });
}

/** A GET with `Connection: close`. */
const get = (path: string, host: string, extra: readonly string[] = []) =>
  `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nAccept: application/json\r\n${extra
    .map((l) => `${l}\r\n`)
    .join('')}Connection: close\r\n\r\n`;

interface Answer {
  readonly status: number;
  readonly body: Json;
  readonly text: string;
}

function answerOf(raw: string): Answer {
  const parsed = parseRawResponse(raw);
  let body: Json = {};
  try {
    body = JSON.parse(parsed.body) as Json;
  } catch {
    // not JSON: the status still tells
  }
  return { status: parsed.status, body, text: parsed.body };
}

/** The principal subject the upstream was told (from the echoed assertion), or undefined. */
function subjectSeen(a: Answer): string | undefined {
  const headers = a.body.headers as Record<string, string> | undefined;
  const assertion = headers?.['x-gatehouse-assertion'];
  if (!assertion) return undefined;
  const claims = JSON.parse(Buffer.from(assertion.split('.')[1]!, 'base64url').toString()) as Json;
  return claims.sub as string;
}

/** A TLS handshake that must fail, and fail before any HTTP byte. */
function refused(x: Exchange, msg: string): void {
  assert.ok(x.error !== undefined || !x.secure, `${msg}: handshake completed (${x.protocol} ${x.cipher})`);
  assert.equal(x.secure, false, `${msg}: handshake completed (${x.protocol} ${x.cipher})`);
  assert.equal(x.raw, '', msg);
}

describe('attack: TLS and mTLS listeners at the handshake and connection level', { timeout: 60_000 }, () => {
  /** Seconds added to the real clock (expiry cases move it forward, then back to 0). */
  let clockOffset = 0;
  const nowSeconds = () => Math.floor(Date.now() / 1000) + clockOffset;
  const logLines: string[] = [];
  const answers: string[] = [];
  let up: Upstream;
  let gh: Gateway;
  let pki: TestPki;
  let prodCa: TestCert;
  let otherCa: TestCert;
  let serverCa: TestCert;
  let payments: TestCert;
  let checkout: TestCert;
  let prodBundle: string;
  let aliceToken: string;
  let serverCertPem: string;
  let serverKeyPem: string;
  const port: Record<'web' | 'mtls' | 'req' | 'tls', number> = { web: 0, mtls: 0, req: 0, tls: 0 };

  const clientCert = (c: TestCert) => ({ cert: c.chainPem, key: c.keyPem });
  const mtlsAuth = () => gh.engine.authenticators.find((a) => a.name === 'mtls') as MtlsAuthenticator;

  /** A full request over TLS (mTLS listener by default) and its parsed answer. */
  async function call(
    path: string,
    host: string,
    options: tls.ConnectionOptions = {},
    o: { port?: number; extra?: readonly string[] } = {},
  ): Promise<Answer & { x: Exchange }> {
    const x = await exchange(
      o.port ?? port.mtls,
      { servername: 'localhost', ...options },
      get(path, host, o.extra),
    );
    assert.equal(x.error, undefined, `${path}: ${x.error}`);
    answers.push(x.raw);
    return { ...answerOf(x.raw), x };
  }

  /** Gatehouse still answers a plain request and an mTLS request normally. */
  async function stillServing(msg: string): Promise<void> {
    const open = await call('/open/ping', 'api.test', {}, { port: port.tls });
    assert.equal(open.status, 200, `${msg}: ${open.text}`);
    const who = await call('/who', 'api.test', clientCert(payments));
    assert.equal(who.status, 200, `${msg}: ${who.text}`);
    assert.equal(subjectSeen(who), PAYMENTS_ID, msg);
  }

  before(async () => {
    pki = createTestPki();
    prodCa = pki.ca('prod-ca');
    otherCa = pki.ca('other-ca');
    serverCa = pki.ca('server-ca');
    const server = pki.server('gatehouse', serverCa);
    serverCertPem = server.certPem;
    serverKeyPem = server.keyPem;
    payments = pki.svid('payments', prodCa, PAYMENTS_ID);
    checkout = pki.svid('checkout', prodCa, CHECKOUT_ID);
    prodBundle = pki.writeBundle('prod.pem', [prodCa]);

    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwksFile = `${pki.dir}/ci-jwks.json`;
    writeFileSync(
      jwksFile,
      JSON.stringify({
        keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'c1', alg: 'ES256', use: 'sig' }],
      }),
    );
    aliceToken = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'c1', typ: 'JWT' })
      .setIssuer(CI_ISS)
      .setSubject('alice')
      .setAudience('gatehouse')
      .setIssuedAt(nowSeconds())
      .setExpirationTime(nowSeconds() + 600)
      .sign(privateKey);

    up = await startEchoUpstream();
    const tlsFiles = { certFile: server.certFile, keyFile: server.keyFile };
    const config = {
      listeners: [
        { name: 'web', port: 0 },
        { name: 'mtls', port: 0, tls: { ...tlsFiles, clientCertificates: 'optional' } },
        { name: 'req', port: 0, tls: { ...tlsFiles, clientCertificates: 'required' } },
        { name: 'tls', port: 0, tls: tlsFiles },
      ],
      admin: { port: 0 },
      audit: { output: { file: '/dev/null' } },
      proxy: { clientHeadersTimeoutMs: HEADERS_TIMEOUT_MS },
      identity: {
        jwt: [{ name: 'ci', issuer: CI_ISS, jwksFile, audiences: ['gatehouse'] }],
        mtls: {
          trustDomains: [
            { name: 'prod.example.org', bundleFile: prodBundle },
            { name: 'other.example.org', bundleFile: pki.writeBundle('other.pem', [otherCa]) },
          ],
        },
      },
      routes: [
        { id: 'open', match: { host: 'api.test', path: '/open' }, upstream: up.url, public: true },
        {
          id: 'who',
          match: { host: 'api.test', path: '/who' },
          upstream: up.url,
          policy: {
            allow: [
              { id: 'prod', spiffeId: { trustDomain: 'prod.example.org', path: '/ns/**' } },
              { id: 'alice', subject: 'alice', issuer: CI_ISS },
            ],
          },
        },
        {
          id: 'payments',
          match: { host: 'pay.test', path: '/' },
          upstream: up.url,
          requireMtls: true,
          policy: {
            allow: [
              { id: 'payments', spiffeId: { trustDomain: 'prod.example.org', path: '/ns/payments/**' } },
            ],
          },
        },
      ],
    };
    const logger = capturingLogger(logLines);
    gh = await Gateway.start({
      configText: stringify(config),
      logger,
      parts: engineParts(),
      watch: false,
      nowSeconds,
    });
    for (const name of ['web', 'mtls', 'req', 'tls'] as const) port[name] = gh.listenerPort(name);
  });

  after(async () => {
    await gh?.shutdown(1_000);
    await up?.close();
    pki?.close();
  });

  // ------------------------------------------------------------------------------------------
  describe('protocol versions and cipher suites', () => {
    for (const version of ['TLSv1', 'TLSv1.1'] as const) {
      it(`${version} offered: refused at the handshake (and this client can speak it)`, async () => {
        // control: the same client options do negotiate ${version} with a server that allows it
        const control = tls.createServer({
          cert: serverCertPem,
          key: serverKeyPem,
          minVersion: 'TLSv1',
          ciphers: 'DEFAULT@SECLEVEL=0',
        });
        await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));
        const controlPort = (control.address() as net.AddressInfo).port;
        const old = { minVersion: version, maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' } as const;
        try {
          const ok = await exchange(controlPort, old, (k) => k.destroy());
          assert.equal(ok.protocol, version, `control: ${ok.error}`);
        } finally {
          control.close();
        }
        for (const p of [port.mtls, port.tls]) refused(await exchange(p, old), version);
        await stillServing(version);
      });
    }

    /** Whether this client, with `ciphers`, completes a TLS 1.2 handshake with a server that allows them. */
    async function clientCanOffer(ciphers: string): Promise<string | undefined> {
      const control = tls.createServer({
        cert: serverCertPem,
        key: serverKeyPem,
        ciphers,
        maxVersion: 'TLSv1.2',
      });
      await new Promise<void>((r) => control.listen(0, '127.0.0.1', r));
      try {
        const x = await exchange(
          (control.address() as net.AddressInfo).port,
          { maxVersion: 'TLSv1.2', ciphers },
          (k) => k.destroy(),
        );
        return x.cipher;
      } finally {
        control.close();
      }
    }

    for (const [name, ciphers] of [
      ['NULL encryption', 'eNULL:@SECLEVEL=0'],
      ['anonymous (no server authentication)', 'aNULL:@SECLEVEL=0'],
    ] as const) {
      it(`TLS 1.2 with only ${name} suites offered: refused at the handshake`, async () => {
        assert.ok(await clientCanOffer(ciphers), 'control: the client offers these suites');
        refused(await exchange(port.mtls, { maxVersion: 'TLSv1.2', ciphers }), name);
        refused(await exchange(port.tls, { maxVersion: 'TLSv1.2', ciphers }), name);
      });
    }

    it('TLS 1.2 with only CBC suites (no AEAD, "WEAK" for SSL Labs) offered: refused', async () => {
      const ciphers =
        'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384';
      assert.ok(await clientCanOffer(ciphers), 'control: the client offers these suites');
      refused(await exchange(port.tls, { maxVersion: 'TLSv1.2', ciphers }, (k) => k.destroy()), 'CBC suites');
    });

    it('TLS 1.2 negotiates an AEAD forward-secret suite when the client prefers legacy ones', async () => {
      const x = await exchange(
        port.tls,
        { maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES128-GCM-SHA256' },
        get('/open/x', 'api.test'),
      );
      assert.equal(x.protocol, 'TLSv1.2', x.error);
      assert.match(String(x.cipher), /^ECDHE-.*GCM/, 'the server prefers its own (AEAD) order');
      assert.equal(answerOf(x.raw).status, 200);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('SNI', () => {
    it('no SNI, an unknown SNI, and an SNI naming another host: the same certificate, decided by Host', async () => {
      for (const servername of ['', 'unknown.invalid', 'pay.test', 'api.test']) {
        const who = await call('/who', 'api.test', { servername, ...clientCert(checkout) });
        assert.equal(who.status, 200, `SNI "${servername}": ${who.text}`);
        assert.equal(subjectSeen(who), CHECKOUT_ID, `SNI "${servername}"`);
        // checkout is not allowed on pay.test, whatever the SNI says
        const pay = await call('/x', 'pay.test', { servername, ...clientCert(checkout) });
        assert.equal(pay.status, 403, `SNI "${servername}": ${pay.text}`);
        assert.equal(pay.body.error, 'no-rule-matched');
        // and payments is allowed there with an SNI naming api.test
        const ok = await call('/x', 'pay.test', { servername, ...clientCert(payments) });
        assert.equal(ok.status, 200, `SNI "${servername}": ${ok.text}`);
      }
    });

    it('a keep-alive connection switching Host keeps its one certificate identity; each Host gets its own policy', async () => {
      const x = await exchange(
        port.mtls,
        { servername: 'pay.test', ...clientCert(checkout) },
        `GET /x HTTP/1.1\r\nHost: pay.test\r\n\r\nGET /who HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n`,
      );
      const parts = x.raw.split(/(?=HTTP\/1\.1 \d{3} )/);
      assert.equal(parts.length, 2, x.raw);
      assert.equal(answerOf(parts[0]!).status, 403, parts[0]);
      assert.equal(subjectSeen(answerOf(parts[1]!)), CHECKOUT_ID);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('session resumption after an mTLS handshake', () => {
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      it(`${version}: a resumed session carries the same verified identity (never another)`, async () => {
        const first = await call('/who', 'api.test', { maxVersion: version, ...clientCert(payments) });
        assert.equal(subjectSeen(first), PAYMENTS_ID);
        assert.ok(first.x.session, 'a session to resume');
        // resume, presenting nothing / presenting another workload's certificate
        for (const cert of [{}, clientCert(checkout)]) {
          const again = await call('/who', 'api.test', {
            maxVersion: version,
            session: first.x.session,
            ...cert,
          });
          assert.equal(again.x.reused, true, `${version} resumed`);
          assert.equal(again.status, 200, again.text);
          assert.equal(subjectSeen(again), PAYMENTS_ID, 'the resumed session is the first certificate’s');
        }
        // a session without a certificate resumed while presenting one gets no identity
        const anon = await call('/who', 'api.test', { maxVersion: version });
        assert.equal(anon.status, 401, anon.text);
        const sneaky = await call('/who', 'api.test', {
          maxVersion: version,
          session: anon.x.session,
          ...clientCert(payments),
        });
        if (sneaky.x.reused) assert.equal(sneaky.status, 401, 'a resumed anonymous session stays anonymous');
        else assert.equal(subjectSeen(sneaky), PAYMENTS_ID);
      });
    }

    it('a session resumed after the client certificate expired (by the clock): 401 cert-expired', async () => {
      const short = pki.svid('short', prodCa, 'spiffe://prod.example.org/ns/payments/sa/short', { days: 1 });
      const first = await call('/x', 'pay.test', clientCert(short));
      assert.equal(first.status, 200, first.text);
      clockOffset = short.notAfter + 60 - nowSeconds();
      try {
        const again = await call('/x', 'pay.test', { session: first.x.session });
        assert.equal(again.x.reused, true);
        assert.equal(again.status, 401, again.text);
        assert.equal(again.body.error, 'cert-expired');
      } finally {
        clockOffset = 0;
      }
    });

    it('a session resumed after its trust domain’s CA left the bundle: 401, never the old identity', async () => {
      const first = await call('/x', 'pay.test', clientCert(payments));
      assert.equal(first.status, 200, first.text);
      writeFileSync(prodBundle, otherCa.certPem);
      try {
        await mtlsAuth().reloadBundles();
        const again = await call('/x', 'pay.test', { session: first.x.session });
        assert.equal(again.status, 401, `resumed=${again.x.reused} ${again.text}`);
        assert.match(String(again.body.error), /^cert-/);
        assert.equal(subjectSeen(again), undefined);
      } finally {
        writeFileSync(prodBundle, prodCa.certPem);
        await mtlsAuth().reloadBundles();
      }
      await stillServing('bundle restored');
    });

    it('a session from the optional listener is not resumed on the required listener: 401 cert-required', async () => {
      const first = await call('/who', 'api.test', clientCert(payments));
      assert.equal(subjectSeen(first), PAYMENTS_ID);
      for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
        const s = await call('/who', 'api.test', { maxVersion, ...clientCert(payments) });
        const other = await call(
          '/who',
          'api.test',
          { maxVersion, session: s.x.session },
          { port: port.req },
        );
        assert.equal(other.x.reused, false, 'another listener does not accept the session');
        assert.equal(other.status, 401, other.text);
        assert.equal(other.body.error, 'cert-required');
      }
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('renegotiation', () => {
    it('TLS 1.2 client-initiated renegotiation is refused or harmless: the identity never changes', async () => {
      const steps: string[] = [];
      const x = await exchange(
        port.mtls,
        { maxVersion: 'TLSv1.2', ...clientCert(payments) },
        (socket) => {
          socket.write('GET /who HTTP/1.1\r\nHost: api.test\r\n\r\n');
          socket.once('data', () => {
            const ok = socket.renegotiate({ rejectUnauthorized: false }, (err) => {
              steps.push(
                err
                  ? `renegotiate-error:${(err as NodeJS.ErrnoException).code ?? err.message}`
                  : 'renegotiated',
              );
              if (!socket.destroyed) socket.write(get('/who', 'api.test'));
            });
            if (!ok) steps.push('renegotiate-not-started');
          });
        },
        { timeoutMs: 3_000 },
      );
      const parts = x.raw.split(/(?=HTTP\/1\.1 \d{3} )/).filter((p) => p.length > 0);
      assert.ok(parts.length >= 1, `${steps.join(',')} ${x.error}`);
      for (const p of parts) assert.equal(subjectSeen(answerOf(p)), PAYMENTS_ID, `${steps.join(',')}: ${p}`);
      // and a renegotiation storm (past Node's limit of 3) only costs that one connection
      const storm = await exchange(
        port.mtls,
        { maxVersion: 'TLSv1.2', ...clientCert(payments) },
        (socket) => {
          let n = 0;
          const again = () => {
            if (socket.destroyed || n++ > 6) return;
            socket.renegotiate({ rejectUnauthorized: false }, again);
          };
          again();
        },
        { timeoutMs: 3_000 },
      );
      assert.ok(storm.ms < 3_000 || storm.error !== undefined, 'a storm is cut, not served');
      await stillServing('after renegotiation');
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('client certificate shapes', () => {
    it('a non-SVID client certificate with a valid bearer token on the optional listener: 401, no fall-through', async () => {
      const corpCa = pki.ca('corp-ca');
      const corp = pki.issue('corp-user', {
        issuer: corpCa,
        basicConstraints: 'critical,CA:FALSE',
        keyUsage: 'critical,digitalSignature',
        extendedKeyUsage: 'clientAuth',
        dns: ['laptop.corp.example'],
      });
      const r = await call('/who', 'api.test', clientCert(corp), {
        extra: [`Authorization: Bearer ${aliceToken}`],
      });
      assert.equal(r.status, 401, r.text);
      assert.match(String(r.body.error), /^cert-/);
      // the token alone is fine, and the same token is not taken with a certificate-less TLS 1.3 PSK
      const alone = await call('/who', 'api.test', {}, { extra: [`Authorization: Bearer ${aliceToken}`] });
      assert.equal(alone.status, 200, alone.text);
      assert.equal(subjectSeen(alone), 'alice');
    });

    it('a client chain of 50 certificates: refused (handshake or 401 cert-chain-invalid), quickly', async () => {
      let issuer = prodCa;
      const links: TestCert[] = [];
      for (let i = 0; i < 49; i++) {
        issuer = pki.intermediate(`deep-${i}`, issuer);
        links.push(issuer);
      }
      const leaf = pki.svid('deep-leaf', issuer, 'spiffe://prod.example.org/ns/payments/sa/deep');
      assert.equal(leaf.chainPem.match(/BEGIN CERTIFICATE/g)?.length, 50);
      const x = await exchange(port.mtls, clientCert(leaf), get('/x', 'pay.test'));
      if (x.secure && x.raw !== '') {
        const a = answerOf(x.raw);
        assert.equal(a.status, 401, a.text);
        assert.equal(a.body.error, 'cert-chain-invalid');
      } else {
        assert.notEqual(x.error, undefined);
      }
      assert.ok(x.ms < 3_000, `answered in ${x.ms} ms`);
      await stillServing('after a 50-certificate chain');
    });

    it('a client chain of over 100 KB: refused at the handshake or only the genuine leaf, quickly; others still served', async () => {
      const padding = 'x'.repeat(4_000);
      const fat = pki.intermediate('fat', prodCa, { extraExtensions: [`nsComment = "${padding}"`] });
      const leaf = pki.svid('fat-leaf', fat, 'spiffe://prod.example.org/ns/payments/sa/fat');
      const copies = Math.ceil(110_000 / fat.der.length);
      const chain = leaf.certPem + fat.certPem.repeat(copies);
      assert.ok(leaf.der.length + copies * fat.der.length > 100_000);
      const x = await exchange(port.mtls, { cert: chain, key: leaf.keyPem }, get('/x', 'pay.test'));
      if (x.secure && x.raw !== '') {
        // accepted: then only as the genuine leaf (the repeated intermediate is a real issuer)
        const a = answerOf(x.raw);
        assert.equal(a.status, 200, a.text);
        assert.equal(subjectSeen(a), 'spiffe://prod.example.org/ns/payments/sa/fat');
      } else {
        assert.notEqual(x.error, undefined);
      }
      assert.ok(x.ms < 3_000, `answered in ${x.ms} ms`);
      await stillServing('after a 100 KB chain');
    });

    it('an expired intermediate CA in the chain (by the clock): 401 cert-*', async () => {
      const brief = pki.intermediate('brief-ca', prodCa, { days: 1 });
      const leaf = pki.svid('under-brief', brief, 'spiffe://prod.example.org/ns/payments/sa/brief', {
        days: 30,
      });
      clockOffset = brief.notAfter + 3_600 - nowSeconds();
      try {
        const r = await call('/x', 'pay.test', clientCert(leaf));
        assert.equal(r.status, 401, r.text);
        assert.match(String(r.body.error), /^cert-(expired|chain-invalid)$/);
      } finally {
        clockOffset = 0;
      }
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('protocol confusion', () => {
    it('plain HTTP sent to a TLS port: a clean close or 400, no hang, never an answer from the route', async () => {
      for (const p of [port.tls, port.mtls, port.req]) {
        const started = Date.now();
        const raw = await new Promise<string>((resolve) => {
          const socket = net.connect(p, '127.0.0.1');
          let text = '';
          const timer = setTimeout(() => {
            socket.destroy();
            resolve(`${text}<hang>`);
          }, 3_000);
          socket.setEncoding('latin1');
          socket.on('data', (d: string) => {
            text += d;
          });
          socket.on('close', () => {
            clearTimeout(timer);
            resolve(text);
          });
          socket.on('error', () => {});
          socket.write(get('/open/x', 'api.test'));
        });
        assert.doesNotMatch(raw, /<hang>/, `port ${p} kept the connection ${Date.now() - started} ms`);
        if (raw !== '') assert.match(raw, /^(HTTP\/1\.1 400 |\x15\x03)/, raw);
      }
    });

    it('TLS sent to the plain HTTP port: the handshake fails at once, no hang', async () => {
      const x = await exchange(port.web, { servername: 'localhost' }, get('/open/x', 'api.test'), {
        timeoutMs: 3_000,
      });
      assert.equal(x.secure, false);
      assert.notEqual(x.error, undefined);
      assert.ok(x.ms < 2_000, `${x.ms} ms`);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('stalled and half-open handshakes', () => {
    /** A TCP connection that sends the first bytes of a ClientHello and then nothing. */
    function stall(p: number, bytes: Buffer): { socket: net.Socket; closed: Promise<number> } {
      const started = Date.now();
      const socket = net.connect(p, '127.0.0.1', () => socket.write(bytes));
      socket.on('error', () => {});
      const closed = new Promise<number>((r) => socket.on('close', () => r(Date.now() - started)));
      return { socket, closed };
    }
    // record header: handshake, TLS 1.0 record version, 512 bytes announced; ClientHello type, partial
    const partialHello = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]);

    it(`a partial ClientHello is cut within the header timeout (${HEADERS_TIMEOUT_MS} ms) + 2 s`, async () => {
      const limit = HEADERS_TIMEOUT_MS + 2_000;
      const s = stall(port.mtls, partialHello);
      const cut = await Promise.race([s.closed, new Promise<number>((r) => setTimeout(() => r(-1), limit))]);
      s.socket.destroy();
      assert.notEqual(cut, -1, `the stalled handshake was still open after ${limit} ms`);
    });

    it('300 half-open TLS connections (partial hello or nothing): other clients are still served', async () => {
      const stalled: { socket: net.Socket }[] = [];
      for (let i = 0; i < 300; i++) {
        stalled.push(stall(i % 2 === 0 ? port.mtls : port.tls, i % 3 === 0 ? Buffer.alloc(0) : partialHello));
      }
      await new Promise((r) => setTimeout(r, 200));
      try {
        const started = Date.now();
        await stillServing('with 300 half-open connections');
        assert.ok(Date.now() - started < 3_000, `served in ${Date.now() - started} ms`);
        const lean = await call('/open/x', 'api.test', {}, { port: port.req });
        assert.equal(lean.status, 401, lean.text);
        assert.equal(lean.body.error, 'cert-required');
      } finally {
        for (const s of stalled) s.socket.destroy();
      }
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('ALPN and pipelining', () => {
    it('a client offering only h2: a clean refusal or http/1.1, never a hang', async () => {
      const x = await exchange(
        port.mtls,
        { ALPNProtocols: ['h2'], ...clientCert(payments) },
        (socket) => {
          // speak HTTP/2 only if the server chose it; otherwise HTTP/1.1 as a fallback client would
          socket.write(
            socket.alpnProtocol === 'h2' ? 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' : get('/who', 'api.test'),
          );
        },
        { timeoutMs: 3_000 },
      );
      assert.ok(x.ms < 3_000, 'no hang');
      if (x.secure) {
        assert.notEqual(x.alpn, 'h2', 'Gatehouse does not speak HTTP/2');
        assert.equal(subjectSeen(answerOf(x.raw)), PAYMENTS_ID, x.raw);
      } else {
        assert.notEqual(x.error, undefined);
      }
      // the HTTP/2 preface itself on an HTTP/1.1 TLS connection: 400 or close, no hang
      const preface = await exchange(port.mtls, {}, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', { timeoutMs: 3_000 });
      assert.ok(preface.ms < 3_000, 'no hang');
      if (preface.raw !== '') assert.match(preface.raw, /^HTTP\/1\.1 (400|405|505) /, preface.raw);
    });

    it('keep-alive over TLS with pipelining: every answer, in order, with its own identity check', async () => {
      const paths = ['/who?n=1', '/open/2', '/who?n=3', '/open/4', '/who?n=5'];
      const payload =
        paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: api.test\r\n\r\n`).join('') +
        get('/open/last', 'api.test');
      const x = await exchange(port.mtls, clientCert(checkout), payload, {
        done: (raw) => raw.includes('/open/last'),
      });
      const parts = x.raw.split(/(?=HTTP\/1\.1 \d{3} )/).filter((p) => p.length > 0);
      assert.equal(parts.length, paths.length + 1, x.raw);
      const urls = parts.map((p) => (answerOf(p).body.url as string | undefined) ?? '');
      assert.deepEqual(urls, [...paths, '/open/last']);
      for (const [i, p] of parts.entries()) {
        if (paths[i]?.startsWith('/who')) assert.equal(subjectSeen(answerOf(p)), CHECKOUT_ID);
      }
    });
  });

  // ------------------------------------------------------------------------------------------
  it('after the corpus: no secret, key or stack trace in any answer or log line', async () => {
    await stillServing('end');
    const keys = [payments, checkout, prodCa, serverCa].map((c) => c.keyPem.split('\n')[1]!);
    const texts = [...answers, ...logLines];
    assert.ok(texts.length > 20);
    for (const t of texts) {
      assert.doesNotMatch(t, STACK, t);
      assert.doesNotMatch(t, /PRIVATE KEY/, t);
      assert.ok(!t.includes(aliceToken.split('.')[2]!), 'the bearer token signature leaked');
      for (const k of keys) assert.ok(!t.includes(k), 'key material leaked');
    }
  });
});
