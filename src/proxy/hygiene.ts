/**
 * Identity header hygiene: an incoming header that could carry identity is never forwarded,
 * whatever its case. Only Gatehouse itself sets identity headers upstream, after policy.
 * The list covers Gatehouse's own headers and those of common peers (oauth2-proxy,
 * Authelia, Pomerium, Cloudflare Access, Google IAP, Azure EasyAuth, AWS ALB), so an upstream
 * that trusted one of them cannot be fooled by a client through Gatehouse. Client-certificate
 * headers (Envoy's XFCC, Traefik's, ingress-nginx's, HAProxy's, Azure's, AWS ALB's) are
 * identity too: they are stripped even when a trusted proxy sets them, since the upstream
 * learns the caller from Gatehouse's assertion.
 */
const EXACT = new Set([
  'x-gatehouse-assertion',
  'x-forwarded-user',
  'x-forwarded-email',
  'x-forwarded-groups',
  'x-forwarded-preferred-username',
  'x-forwarded-access-token',
  'x-forwarded-uid',
  'remote-user',
  'remote-groups',
  'remote-email',
  'remote-name',
  'x-remote-user',
  'x-remote-group',
  'x-remote-groups',
  'x-remote-email',
  'x-webauth-user',
  'x-ms-token-aad-id-token',
  'x-ms-token-aad-access-token',
  // client certificates and their verification results
  'x-forwarded-client-cert',
  'x-forwarded-tls-client-cert',
  'x-forwarded-tls-client-cert-info',
  'x-client-cert',
  'x-client-verify',
  'x-client-dn',
  'x-client-cert-dn',
  'x-arr-clientcert',
  'x-amzn-mtls-clientcert',
  'x-amzn-mtls-clientcert-leaf',
  'x-amzn-mtls-clientcert-serial-number',
  'x-amzn-mtls-clientcert-issuer',
  'x-amzn-mtls-clientcert-subject',
  'x-amzn-mtls-clientcert-validity',
  'x-tls-client-cert',
  'x-ssl-cert',
]);

/**
 * Headers some frameworks honour to override the request's path or method (Symfony, Laravel,
 * IIS URL Rewrite, Rails/Express method-override). Gatehouse decided on the real path and
 * method; a client must not be able to make the upstream act on another one.
 */
const REWRITE = new Set([
  'x-original-url',
  'x-original-uri',
  'x-rewrite-url',
  'x-original-method',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
]);

/** Whether an incoming header (lower-case name) could make the upstream see another path or method. */
export function isRewriteHeader(name: string): boolean {
  return REWRITE.has(name.includes('_') ? name.replaceAll('_', '-') : name);
}

const PREFIXES = [
  'x-gatehouse-',
  'x-auth-request-',
  'x-pomerium-',
  'cf-access-',
  'x-ms-client-principal',
  'x-amzn-oidc-',
  // ingress-nginx / nginx (ssl-client-*), HAProxy and others (x-ssl-client-*)
  'ssl-client-',
  'x-ssl-client-',
];

/**
 * Whether an incoming header (lower-case name) must be stripped before forwarding.
 * `extra` holds configured names (claim headers, a renamed assertion header).
 */
export function isIdentityHeader(rawName: string, extra?: ReadonlySet<string>): boolean {
  // CGI-style upstreams (WSGI, Rack, PHP, nginx with underscores_in_headers) read `X_Forwarded_User`
  // and `X-Forwarded-User` as the same variable: compare with '_' folded to '-'.
  const name = rawName.includes('_') ? rawName.replaceAll('_', '-') : rawName;
  if (EXACT.has(name)) return true;
  if (extra?.has(name) || extra?.has(rawName)) return true;
  for (const p of PREFIXES) if (name.startsWith(p)) return true;
  // Google IAP and friends: x-goog-iap-jwt-assertion, x-goog-authenticated-user-*
  if (
    name.startsWith('x-goog-') &&
    (name.endsWith('-assertion') || name.startsWith('x-goog-authenticated-user'))
  ) {
    return true;
  }
  return false;
}

/**
 * Gatehouse's own header namespace, `x-gatehouse-*` (lower-case name, also spelt with `_`):
 * only Gatehouse speaks it, never a client's request or an upstream's answer.
 */
export function isGatehouseHeader(lowerName: string): boolean {
  if (lowerName.length < 12 || lowerName.charCodeAt(0) !== 0x78) return false;
  return lowerName.slice(0, 12).replaceAll('_', '-') === 'x-gatehouse-';
}
