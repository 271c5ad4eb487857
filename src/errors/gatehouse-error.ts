import { ERRORS, type ErrorCode } from './catalogue.ts';

/** An error from the catalogue. `cause` keeps the third-party error it was translated from. */
export class GatehouseError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Whether `message` may be shown to a client. Never true for a 5xx. */
  readonly expose: boolean;

  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown }) {
    const entry = ERRORS[code];
    super(detail ? `${entry.message}: ${detail}` : entry.message, options);
    this.name = 'GatehouseError';
    this.code = code;
    this.status = entry.status;
    this.expose = entry.status < 500;
  }

  /** The message a client may see: the catalogue's text, never a detail that could leak internals. */
  get publicMessage(): string {
    return ERRORS[this.code].message;
  }
}

export function isGatehouseError(err: unknown): err is GatehouseError {
  return err instanceof GatehouseError;
}
