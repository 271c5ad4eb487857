import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startGatehouse } from '../lib/gatehouse.ts';
import { type BenchContext, type Measurement, type Scenario, skip } from '../lib/types.ts';
import { runWorker } from '../lib/worker.ts';

/** Host of the bench route; sent as the Host header. */
const HOST = 'app.bench.test';
const TRUST_DOMAIN = 'bench.test';
const SPIFFE_ID = `spiffe://${TRUST_DOMAIN}/ns/bench/sa/client`;
/** Connections in flight at once (each one a full handshake + one request). */
const CONCURRENCY = 8;

interface BenchPki {
  /** CA of the server certificate (for the client). */
  serverCaFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  /** Trust bundle of the bench trust domain (root CA). */
  bundleFile: string;
  /** X.509-SVID leaf + intermediate, and its key. */
  clientChainFile: string;
  clientKeyFile: string;
}

/** One HTTPS GET without a client certificate on a fresh connection: the status, or 0 on a TLS error. */
function statusWithoutCertificate(url: string, caFile: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { agent: false, ca: readFileSync(caFile), headers: { host: HOST }, timeout: 5000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end();
  });
}

/**
 * Certificates from the repository's test PKI (src/identity/mtls/test-pki.ts, openssl):
 * root CA -> intermediate -> X.509-SVID for the client (as SPIRE issues them), root CA ->
 * server certificate for 127.0.0.1. Copied into the run's temp dir; the PKI dir is removed.
 */
async function benchPki(ctx: BenchContext): Promise<BenchPki> {
  const module = join(ctx.repoRoot, 'src/identity/mtls/test-pki.ts');
  if (!existsSync(module)) skip('src/identity/mtls/test-pki.ts not found');
  const { createTestPki, OPENSSL } = (await import(
    pathToFileURL(module).href
  )) as typeof import('../../src/identity/mtls/test-pki.ts');
  if (!existsSync(OPENSSL)) skip(`${OPENSSL} not found (the test PKI needs openssl)`);
  const pki = createTestPki();
  try {
    const root = pki.ca('bench-root');
    const intermediate = pki.intermediate('bench-intermediate', root);
    const svid = pki.svid('bench-client', intermediate, SPIFFE_ID);
    const server = pki.server('bench-server', root);
    const dir = join(ctx.tmpDir, 'pki');
    mkdirSync(dir, { recursive: true });
    const write = (name: string, text: string, mode = 0o644) => {
      const file = join(dir, name);
      writeFileSync(file, text, { mode });
      return file;
    };
    const rootFile = write('root.pem', root.certPem);
    return {
      serverCaFile: rootFile,
      serverCertFile: write('server.pem', server.chainPem),
      serverKeyFile: write('server.key', server.keyPem, 0o600),
      bundleFile: rootFile,
      clientChainFile: write('client.pem', svid.chainPem),
      clientKeyFile: write('client.key', svid.keyPem, 0o600),
    };
  } finally {
    pki.close();
  }
}

/**
 * Load on a Gatehouse TLS listener: `mtls` presents an X.509-SVID to a listener with
 * `clientCertificates: required` and a route whose policy admits the trust domain (the mTLS
 * authenticator verifies the SVID); the baseline presents none to a plain TLS listener with a
 * public route. A new connection per request (full handshakes), or with `keepAlive` requests
 * over established connections (the per-request cost of mTLS once connected).
 */
function tlsScenario(name: string, baseline: string | null, mtls: boolean, keepAlive: boolean): Scenario {
  const how = keepAlive
    ? `Requests over ${CONCURRENCY} kept-alive TLS connections (https.Agent)`
    : `New TLS connection per request (full handshake), ${CONCURRENCY} at a time`;
  return {
    name,
    baseline,
    description: mtls
      ? `${how}, with a client X.509-SVID (chain of 2); listener clientCertificates: required, policy on the trust domain.`
      : `${how}, no client certificate; TLS listener, public route.`,
    async run(ctx): Promise<Measurement> {
      const upstream = await ctx.upstream();
      const pki = await benchPki(ctx);
      const route = {
        id: 'bench-tls',
        match: { host: HOST, path: '/' },
        upstream: upstream.url.replace(/\/$/, ''),
        ...(mtls
          ? {
              policy: {
                allow: [
                  { id: 'bench-svid', spiffeId: { trustDomain: TRUST_DOMAIN, path: '/ns/bench/sa/*' } },
                ],
              },
            }
          : { public: true }),
      };
      const gatehouse = await startGatehouse(ctx, [route], {
        tls: {
          certFile: pki.serverCertFile,
          keyFile: pki.serverKeyFile,
          clientCertificates: mtls ? 'required' : 'none',
        },
        ...(mtls
          ? {
              extra: {
                identity: { mtls: { trustDomains: [{ name: TRUST_DOMAIN, bundleFile: pki.bundleFile }] } },
              },
            }
          : {}),
      });
      const port = Number(new URL(gatehouse.baseUrl).port);
      if (mtls) {
        // Enforced: without a client certificate the answer is not 200.
        const status = await statusWithoutCertificate(`${gatehouse.baseUrl}/`, pki.serverCaFile);
        if (status === 200) skip('a request without a client certificate was allowed');
        ctx.log(`  without a client certificate: ${status || 'TLS error'}`);
      }
      const { durationS, warmupS } = ctx.options;
      ctx.log(
        `  ${CONCURRENCY} ${keepAlive ? 'kept-alive' : 'new'} connections at a time, ${warmupS} s warm-up, ${durationS} s measured`,
      );
      const m = await runWorker(ctx, `${name}-client`, 'tls-handshakes.ts', {
        port,
        host: HOST,
        caFile: pki.serverCaFile,
        ...(mtls ? { certFile: pki.clientChainFile, keyFile: pki.clientKeyFile } : {}),
        concurrency: CONCURRENCY,
        keepAlive,
        durationS,
        warmupS,
      });
      return { rps: m.rps, p50Ms: m.p50Ms, p99Ms: m.p99Ms, errors: m.errors };
    },
  };
}

export const tlsHandshakes = tlsScenario('tls-handshakes', null, false, false);
export const mtlsHandshakes = tlsScenario('mtls-handshakes', 'tls-handshakes', true, false);
export const tlsKeepAlive = tlsScenario('tls-keepalive', null, false, true);
export const mtlsKeepAlive = tlsScenario('mtls-keepalive', 'tls-keepalive', true, true);
