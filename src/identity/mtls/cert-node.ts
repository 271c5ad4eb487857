import { hash, type KeyObject, X509Certificate } from 'node:crypto';
import { type CertExtensions, parseCertExtensions } from './cert-extensions.ts';

/**
 * One parsed certificate, with what path validation needs computed once: OpenSSL's view
 * (`X509Certificate`, for names, signatures and validity), the extensions read from the
 * DER, the SHA-256 fingerprint and the validity window in epoch seconds.
 */
export interface CertNode {
  readonly x509: X509Certificate;
  readonly ext: CertExtensions;
  /** SHA-256 of the DER, base64url (the RFC 8705 `x5t#S256` form). */
  readonly fingerprint: string;
  readonly publicKey: KeyObject;
  /** Epoch seconds; the certificate is valid from notBefore through notAfter inclusive. */
  readonly notBefore: number;
  readonly notAfter: number;
  /** Subject DN, one line, for audit details. */
  readonly label: string;
}

/** SHA-256 of `der` as base64url. */
export function certFingerprint(der: Uint8Array): string {
  return hash('sha256', der, 'base64url');
}

/**
 * Parse a DER certificate. Throws when OpenSSL or the extension reader refuses it.
 * (`x509.ca` is OpenSSL's "usable as a CA", which also needs keyCertSign; basicConstraints
 * cA itself comes from the extension reader.)
 */
export function parseCertNode(der: Uint8Array, fingerprint = certFingerprint(der)): CertNode {
  const x509 = new X509Certificate(der);
  // X509Certificate also accepts PEM; insist that what OpenSSL parsed is exactly these bytes.
  if (!x509.raw.equals(der)) throw new Error('certificate is not exactly one DER certificate');
  const ext = parseCertExtensions(der);
  return {
    x509,
    ext,
    fingerprint,
    publicKey: x509.publicKey,
    notBefore: Math.floor(x509.validFromDate.getTime() / 1000),
    notAfter: Math.floor(x509.validToDate.getTime() / 1000),
    label: x509.subject.replaceAll('\n', ', '),
  };
}
