/**
 * Why an assertion was refused. Stable codes: match on `code`, never on the message.
 *
 * - `missing`: no assertion header (typically a request that did not come through Gatehouse).
 * - `malformed`: not a compact JWS, oversized, repeated header, missing `kid`, unreadable.
 * - `algorithm`: `alg` not in the allowed list (`none`, `HS256`, ...).
 * - `type`: header `typ` is not `gatehouse-assertion+jwt`.
 * - `unknown-key`: no key with the token's `kid` in the JWKS.
 * - `signature`: the signature does not verify.
 * - `expired`: `exp` is in the past (beyond the clock tolerance).
 * - `not-yet-valid`: `iat` / `nbf` is in the future (beyond the clock tolerance).
 * - `lifetime`: `exp - iat` exceeds the maximum lifetime, or `exp <= iat`.
 * - `issuer`: `iss` is not the configured issuer.
 * - `audience`: `aud` is not a configured audience (or not a single string).
 * - `anonymous`: Gatehouse let the caller through without identity (a public route) and the
 *   verifier was not told to accept that (`allowAnonymous`).
 * - `claims`: a required claim is missing or has the wrong type or value.
 * - `binding`: the token was issued for another method, host or path.
 * - `jwks`: the JWKS could not be fetched or is invalid (the request is refused: fail closed).
 */
export type AssertionErrorCode =
  | 'missing'
  | 'malformed'
  | 'algorithm'
  | 'type'
  | 'unknown-key'
  | 'signature'
  | 'expired'
  | 'not-yet-valid'
  | 'lifetime'
  | 'issuer'
  | 'audience'
  | 'anonymous'
  | 'claims'
  | 'binding'
  | 'jwks';

const MESSAGES: Record<AssertionErrorCode, string> = {
  missing: 'no Gatehouse assertion',
  malformed: 'the assertion is malformed',
  algorithm: 'the assertion algorithm is not allowed',
  type: 'the assertion has the wrong typ',
  'unknown-key': 'the assertion was signed by an unknown key',
  signature: 'the assertion signature is invalid',
  expired: 'the assertion has expired',
  'not-yet-valid': 'the assertion is not valid yet',
  lifetime: 'the assertion lifetime is too long',
  issuer: 'the assertion issuer is not trusted',
  audience: 'the assertion is for another audience',
  anonymous: 'the caller is anonymous',
  claims: 'the assertion claims are invalid',
  binding: 'the assertion was issued for another request',
  jwks: 'the Gatehouse key set is unavailable',
};

/**
 * A refused assertion. The message and `detail` never contain the token, and never a claim
 * value: safe to log. `code` is what to branch on.
 */
export class AssertionError extends Error {
  readonly code: AssertionErrorCode;
  /** A fixed description of the rule broken (e.g. `req.p differs`), for logs. */
  readonly detail: string | undefined;

  constructor(code: AssertionErrorCode, detail?: string) {
    super(detail ? `${MESSAGES[code]} (${detail})` : MESSAGES[code]);
    this.name = 'AssertionError';
    this.code = code;
    this.detail = detail;
  }
}
