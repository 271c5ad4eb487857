import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DetailedPeerCertificate } from 'node:tls';

/**
 * A throw-away PKI for tests: CAs, intermediates, X.509-SVIDs, server certificates and
 * deliberately broken variants, made with `/usr/bin/openssl` in a temporary directory.
 * Keys are EC P-256 made by `node:crypto` (fast); certificates are signed by openssl from a
 * generated extension section, so each negative case is one option away from a good one.
 *
 * openssl 3.0 cannot back-date or post-date a certificate (`-days` starts now): tests make
 * expired / not-yet-valid cases with the injected clock, using `notBefore` / `notAfter`.
 */

export const OPENSSL = '/usr/bin/openssl';

export interface TestCert {
  readonly name: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly der: Buffer;
  /** PEM of this certificate followed by its issuers up to, not including, the self-signed root. */
  readonly chainPem: string;
  /** DER of the issuers above this certificate, up to, not including, the root. */
  readonly intermediatesDer: readonly Buffer[];
  /** Epoch seconds. */
  readonly notBefore: number;
  /** Epoch seconds. */
  readonly notAfter: number;
  readonly issuer?: TestCert;
}

/**
 * Extension values in openssl config syntax. `null` leaves the extension out; `undefined`
 * takes the default of the helper used (`ca()`, `intermediate()`, `svid()`, `server()`).
 */
export interface CertOptions {
  /** Common name; default: the certificate's file name. */
  readonly cn?: string;
  /** Signing certificate; absent means self-signed. */
  readonly issuer?: TestCert;
  /** Validity in days from now (default 30). */
  readonly days?: number;
  readonly basicConstraints?: string | null;
  readonly keyUsage?: string | null;
  readonly extendedKeyUsage?: string | null;
  readonly uris?: readonly string[];
  readonly dns?: readonly string[];
  readonly ips?: readonly string[];
  /** Extra raw extension lines, e.g. `nameConstraints = critical,permitted;DNS:example.org`. */
  readonly extraExtensions?: readonly string[];
}

export interface TestPki {
  /** Temporary directory holding every file; removed by `close()`. */
  readonly dir: string;
  /** Any certificate, fully described by `options`. */
  issue(name: string, options: CertOptions): TestCert;
  /** A self-signed root CA (CA:TRUE, keyCertSign + cRLSign). */
  ca(name: string, options?: CertOptions): TestCert;
  /** An intermediate CA signed by `issuer`. */
  intermediate(name: string, issuer: TestCert, options?: CertOptions): TestCert;
  /** An X.509-SVID leaf for `spiffeId` signed by `issuer` (digitalSignature, clientAuth). */
  svid(name: string, issuer: TestCert, spiffeId: string | readonly string[], options?: CertOptions): TestCert;
  /** A TLS server certificate for 127.0.0.1 / localhost signed by `issuer`. */
  server(name: string, issuer: TestCert, options?: CertOptions): TestCert;
  /** Write a PEM bundle of the given CA certificates; returns its path. */
  writeBundle(fileName: string, certs: readonly TestCert[]): string;
  close(): void;
}

function sectionFor(options: CertOptions, selfSigned: boolean): string {
  const lines = ['[v3]'];
  if (options.basicConstraints) lines.push(`basicConstraints = ${options.basicConstraints}`);
  if (options.keyUsage) lines.push(`keyUsage = ${options.keyUsage}`);
  if (options.extendedKeyUsage) lines.push(`extendedKeyUsage = ${options.extendedKeyUsage}`);
  lines.push('subjectKeyIdentifier = hash');
  if (!selfSigned) lines.push('authorityKeyIdentifier = keyid:always');
  lines.push(...(options.extraExtensions ?? []));
  const alt: string[] = [];
  for (const [kind, values] of [
    ['URI', options.uris],
    ['DNS', options.dns],
    ['IP', options.ips],
  ] as const) {
    for (const [i, v] of (values ?? []).entries()) alt.push(`${kind}.${i + 1} = ${v}`);
  }
  if (alt.length > 0) lines.push('subjectAltName = @alt', '[alt]', ...alt);
  return lines.join('\n') + '\n';
}

/** Create a PKI in a fresh temporary directory. Synchronous: meant for test set-up. */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pki-'));

  function issue(name: string, options: CertOptions): TestCert {
    const keyFile = join(dir, `${name}.key`);
    const certFile = join(dir, `${name}.crt`);
    const cnfFile = join(dir, `${name}.cnf`);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(keyFile, keyPem, { mode: 0o600 });
    const selfSigned = options.issuer === undefined;
    writeFileSync(
      cnfFile,
      `[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n${sectionFor(options, selfSigned)}`,
    );
    const subj = `/CN=${options.cn ?? name}`;
    const days = String(options.days ?? 30);
    const serial = `0x${randomBytes(12).toString('hex')}`;
    if (selfSigned) {
      execFileSync(
        OPENSSL,
        [
          'req',
          '-x509',
          '-new',
          '-key',
          keyFile,
          '-subj',
          subj,
          '-days',
          days,
          '-set_serial',
          serial,
          '-config',
          cnfFile,
          '-extensions',
          'v3',
          '-out',
          certFile,
        ],
        { stdio: 'pipe' },
      );
    } else {
      const csrFile = join(dir, `${name}.csr`);
      execFileSync(
        OPENSSL,
        ['req', '-new', '-key', keyFile, '-subj', subj, '-config', cnfFile, '-out', csrFile],
        {
          stdio: 'pipe',
        },
      );
      const issuer = options.issuer!;
      execFileSync(
        OPENSSL,
        [
          'x509',
          '-req',
          '-in',
          csrFile,
          '-CA',
          issuer.certFile,
          '-CAkey',
          issuer.keyFile,
          '-set_serial',
          serial,
          '-days',
          days,
          '-extfile',
          cnfFile,
          '-extensions',
          'v3',
          '-out',
          certFile,
        ],
        { stdio: 'pipe' },
      );
    }
    const certPem = readFileSync(certFile, 'utf8');
    const x509 = new X509Certificate(certPem);
    const issuer = options.issuer;
    const intermediatesDer: Buffer[] = [];
    let chainPem = certPem;
    for (let up = issuer; up?.issuer; up = up.issuer) {
      intermediatesDer.push(up.der);
      chainPem += up.certPem;
    }
    return {
      name,
      certPem,
      keyPem,
      certFile,
      keyFile,
      der: x509.raw,
      chainPem,
      intermediatesDer,
      notBefore: Math.floor(x509.validFromDate.getTime() / 1000),
      notAfter: Math.floor(x509.validToDate.getTime() / 1000),
      issuer,
    };
  }

  return {
    dir,
    issue,
    ca: (name, options = {}) =>
      issue(name, {
        basicConstraints: 'critical,CA:TRUE',
        keyUsage: 'critical,keyCertSign,cRLSign',
        days: 365,
        ...options,
      }),
    intermediate: (name, issuer, options = {}) =>
      issue(name, {
        basicConstraints: 'critical,CA:TRUE',
        keyUsage: 'critical,keyCertSign,cRLSign',
        days: 180,
        ...options,
        issuer,
      }),
    svid: (name, issuer, spiffeId, options = {}) =>
      issue(name, {
        basicConstraints: 'critical,CA:FALSE',
        keyUsage: 'critical,digitalSignature,keyEncipherment,keyAgreement',
        extendedKeyUsage: 'clientAuth,serverAuth',
        uris: typeof spiffeId === 'string' ? [spiffeId] : spiffeId,
        ...options,
        issuer,
      }),
    server: (name, issuer, options = {}) =>
      issue(name, {
        basicConstraints: 'critical,CA:FALSE',
        keyUsage: 'critical,digitalSignature,keyEncipherment',
        extendedKeyUsage: 'serverAuth',
        dns: ['localhost'],
        ips: ['127.0.0.1'],
        ...options,
        issuer,
      }),
    writeBundle(fileName, certs) {
      const file = join(dir, fileName);
      writeFileSync(file, certs.map((c) => c.certPem).join(''));
      return file;
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A `getPeerCertificate(true)`-shaped object for `cert` and its issuers (no TLS needed):
 * `.raw` DER and `.issuerCertificate` links; with `root`, the chain ends in the self-linked
 * root, as Node gives it. Only the fields the mTLS authenticator reads are filled in.
 */
export function peerCertificateFor(
  cert: TestCert,
  options: { root?: boolean } = {},
): DetailedPeerCertificate {
  const links: TestCert[] = [cert];
  for (let up = cert.issuer; up; up = up.issuer) {
    if (up.issuer || options.root) links.push(up);
  }
  const objects = links.map(
    (c) => ({ raw: c.der, subject: { CN: c.name } }) as unknown as DetailedPeerCertificate,
  );
  objects.forEach((o, i) => {
    const next = objects[i + 1];
    const last = i === objects.length - 1;
    const selfSigned = last && links[i]!.issuer === undefined;
    if (next) (o as { issuerCertificate: DetailedPeerCertificate }).issuerCertificate = next;
    else if (selfSigned) (o as { issuerCertificate: DetailedPeerCertificate }).issuerCertificate = o;
  });
  return objects[0]!;
}
