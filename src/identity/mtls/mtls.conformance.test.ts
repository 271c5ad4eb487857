import { authenticatorConformance } from '../conformance.ts';
import { createMtlsAuthenticator } from './authenticator.ts';
import { createTestPki, peerCertificateFor } from './test-pki.ts';

authenticatorConformance('mtls', async () => {
  const pki = createTestPki();
  const root = pki.ca('root');
  const inter = pki.intermediate('inter', root);
  const leaf = pki.svid('leaf', inter, 'spiffe://prod.example.org/ns/payments/sa/api');
  const otherRoot = pki.ca('other-root');
  const wrongCa = pki.svid('wrong-ca', otherRoot, 'spiffe://prod.example.org/ns/payments/sa/api');
  const authenticator = createMtlsAuthenticator(
    { trustDomains: [{ name: 'prod.example.org', bundleFile: pki.writeBundle('prod.pem', [root]) }] },
    { watch: false },
  );
  const base = {
    id: 'conformance',
    method: 'GET',
    scheme: 'https',
    host: 'api.example.org',
    port: 443,
    path: '/',
    query: '',
    peerAddress: '127.0.0.1',
    clientAddress: '127.0.0.1',
    listener: 'mtls',
  } as const;
  return {
    authenticator,
    validRequest: { ...base, headers: {}, clientCertificate: peerCertificateFor(leaf, { root: true }) },
    // Another kind of credential, and no client certificate.
    foreignRequest: { ...base, headers: { authorization: 'Bearer abc.def.ghi' } },
    badRequest: { ...base, headers: {}, clientCertificate: peerCertificateFor(wrongCa, { root: true }) },
    nowSeconds: leaf.notBefore + 10,
    // Neither the certificate itself nor the private key may end up in the principal.
    secrets: [leaf.der.toString('base64').slice(0, 64), leaf.keyPem.split('\n')[1]!],
    cleanup: () => {
      authenticator.close();
      pki.close();
    },
  };
});
