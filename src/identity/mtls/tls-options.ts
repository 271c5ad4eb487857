import type { Reason } from '../../model/index.ts';
import type { MtlsAuthenticator } from './authenticator.ts';
import type { BundleSnapshot } from './bundle-store.ts';

/**
 * What an HTTPS / TLS listener with `clientCertificates: optional | required` passes to
 * `https.createServer` / `tls.createServer` (and to `server.setSecureContext` after a bundle
 * reload): ask for a client certificate, never let the TLS layer refuse one (the mTLS
 * authenticator verifies it, per trust domain, and the pipeline decides), and advertise the
 * trust domains' CAs in the CertificateRequest so clients pick the right certificate.
 *
 * Why `crl`: with `ca` set, OpenSSL also verifies the client chain against those CAs. When
 * that succeeds, Node drops the presented intermediates from `getPeerCertificate(true)`
 * (seen on Node 24.21; reported for 26.8+ as nodejs/node#65579: the server's own
 * `getPeerX509Certificate()` call after the handshake consumes OpenSSL's peer chain), so an
 * SVID issued by an intermediate could no longer be verified. A CRL whose issuer matches no certificate makes OpenSSL's own check always end in
 * UNABLE_TO_GET_CRL (Node then sets CRL checking for the whole chain), which keeps the
 * presented chain intact. OpenSSL's verdict (`socket.authorized`) is meaningless on these
 * listeners either way: only the authenticator's result counts. The placeholder CRL is
 * public, signed by a throw-away key, and matches no real certificate issuer.
 */

/** A CRL from "O=Gatehouse, CN=gatehouse placeholder CRL issuer (never a certificate issuer)"; no revoked entries. */
export const PLACEHOLDER_CRL_PEM = `-----BEGIN X509 CRL-----
MIH2MIGdAgEBMAoGCCqGSM49BAMCMFwxEjAQBgNVBAoMCUdhdGVob3VzZTFGMEQG
A1UEAww9Z2F0ZWhvdXNlIHBsYWNlaG9sZGVyIENSTCBpc3N1ZXIgKG5ldmVyIGEg
Y2VydGlmaWNhdGUgaXNzdWVyKRcNMjYxMTIyMDcxODM2WhgPMjEyNjEwMjkwNzE4
MzZaoA4wDDAKBgNVHRQEAwIBATAKBggqhkjOPQQDAgNIADBFAiBEjVSgRHRe2R26
2yDVfIVuFwNg9cdkP+fryuo64SU61gIhAPTRP/sdBOZ608irVpfDrpfBJluW0qtj
TuANn/XzPc7E
-----END X509 CRL-----
`;

/**
 * The reason a listener with `clientCertificates: required` denies a request that came
 * without a client certificate (the mTLS authenticator itself says `not-mine` then).
 */
export const clientCertificateMissingReason: Reason = 'cert-required';

export interface MtlsTlsServerOptions {
  readonly requestCert: true;
  readonly rejectUnauthorized: false;
  /** PEM of every trust anchor of every trust domain: used for the CertificateRequest CA list. */
  readonly ca: string;
  /** See the module comment: keeps OpenSSL from "authorising" and Node from dropping intermediates. */
  readonly crl: string;
}

export interface MtlsTlsOptionsSource {
  /** The options for the bundles loaded now. */
  readonly options: MtlsTlsServerOptions;
  /**
   * Called with new options after a bundle reload. The listener applies them with
   * `server.setSecureContext({ key, cert, ...options })`. Returns an unsubscribe function.
   */
  onChange(listener: (options: MtlsTlsServerOptions) => void): () => void;
}

function optionsFor(snapshot: BundleSnapshot): MtlsTlsServerOptions {
  return Object.freeze({
    requestCert: true,
    rejectUnauthorized: false,
    ca: snapshot.caPem,
    crl: PLACEHOLDER_CRL_PEM,
  });
}

/**
 * TLS server options for a listener that asks for client certificates, kept current with
 * the authenticator's bundles. Spread `options` into the `https.createServer` options.
 */
export function mtlsTlsServerOptions(authenticator: MtlsAuthenticator): MtlsTlsOptionsSource {
  return {
    get options() {
      return optionsFor(authenticator.bundles());
    },
    onChange(listener) {
      return authenticator.onBundlesChange((snapshot) => listener(optionsFor(snapshot)));
    },
  };
}
