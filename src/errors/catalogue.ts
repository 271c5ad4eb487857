/**
 * The one error catalogue. Every error Gatehouse raises has a stable `code`, the HTTP
 * status it maps to, and whether its message may be shown to a client (`expose`,
 * following node-oidc-provider: only client errors, status < 500, are exposed).
 *
 * Match on `code`, never on message text. `docs/errors.md` is kept in step by a test.
 */
export const ERRORS = {
  ERR_CONFIG_INVALID: { status: 500, message: 'configuration is invalid' },
  ERR_CONFIG_READ: { status: 500, message: 'configuration file cannot be read' },
  ERR_CONFIG_SECRET_INLINE: {
    status: 500,
    message: 'a secret is written inline; reference it with { file: PATH } or { env: NAME }',
  },
  ERR_SECRET_UNRESOLVED: { status: 500, message: 'a referenced secret cannot be read' },
  ERR_REQUEST_TARGET_INVALID: { status: 400, message: 'the request target is not valid' },
  ERR_REQUEST_TARGET_AMBIGUOUS: { status: 400, message: 'the request target is ambiguous' },
  ERR_REQUEST_HOST_INVALID: { status: 400, message: 'the Host header is missing, repeated or not valid' },
  ERR_REQUEST_HEADER_AMBIGUOUS: {
    status: 400,
    message: 'a header that must appear once (Authorization, Content-Length) appears more than once',
  },
  ERR_UPGRADE_REFUSED: {
    status: 400,
    message: 'only WebSocket upgrades pass through Gatehouse (h2c and other tunnels would bypass it)',
  },
  ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'the method is not allowed through Gatehouse' },
  ERR_REQUEST_HOST_MISMATCH: { status: 400, message: 'the absolute-form target names another host' },
  ERR_REQUEST_BODY_TOO_LARGE: { status: 413, message: 'the request body is too large' },
  ERR_REQUEST_BODY_INVALID: {
    status: 400,
    message: 'the request body is malformed (chunked framing or length)',
  },
  ERR_REQUEST_TIMEOUT: { status: 408, message: 'the request took too long to arrive' },
  ERR_REQUEST_MALFORMED: { status: 400, message: 'the request is not valid HTTP/1.1' },
  ERR_REQUEST_HEADERS_TOO_LARGE: { status: 431, message: 'the request head is too large' },
  ERR_UPSTREAM_CONNECT: { status: 502, message: 'the upstream service cannot be reached' },
  ERR_UPSTREAM_RESET: { status: 502, message: 'the upstream service closed the connection' },
  ERR_UPSTREAM_UNAVAILABLE: { status: 503, message: 'the upstream service is unavailable' },
  ERR_UPSTREAM_TIMEOUT: { status: 504, message: 'the upstream service did not answer in time' },
  ERR_UPSTREAM_PROTOCOL: { status: 502, message: 'the upstream service answered with an invalid response' },
  ERR_ASSERTION_KEY: { status: 500, message: 'an assertion signing key cannot be loaded' },
  ERR_TLS_MATERIAL: { status: 500, message: 'a TLS certificate or key cannot be loaded' },
  ERR_LOGIN_STATE_INVALID: {
    status: 400,
    message: 'this sign-in attempt is unknown, expired, already used, or was started in another browser',
  },
  ERR_LOGIN_FAILED: { status: 401, message: 'the identity provider did not complete the sign-in' },
  ERR_IDP_UNAVAILABLE: { status: 503, message: 'the identity provider cannot be reached' },
  ERR_REDIRECT_REFUSED: { status: 400, message: 'the redirect target is not an allowed location' },
  ERR_LOGOUT_FORBIDDEN: { status: 403, message: 'the sign-out request did not come from this site' },
  ERR_HANDOFF_INVALID: { status: 400, message: 'the sign-in hand-off is unknown, expired or already used' },
  ERR_SESSION_STORE_UNAVAILABLE: { status: 503, message: 'the session store cannot be used' },
  ERR_INTERNAL: { status: 500, message: 'internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;
