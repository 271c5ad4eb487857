import type { Answer } from '../answer.ts';

/** google.rpc.Code values Envoy looks at. */
const RPC_OK = 0;
const RPC_PERMISSION_DENIED = 7;
const RPC_UNAUTHENTICATED = 16;
/** envoy.config.core.v3.HeaderValueOption.HeaderAppendAction */
const OVERWRITE_IF_EXISTS_OR_ADD = 2;

interface HeaderValueOption {
  header: { key: string; value: string };
  append_action: number;
}

/** A `envoy.service.auth.v3.CheckResponse` in proto field names. */
export interface CheckResponseMessage {
  status: { code: number; message?: string };
  ok_response?: {
    headers: HeaderValueOption[];
    headers_to_remove: string[];
    response_headers_to_add: HeaderValueOption[];
  };
  denied_response?: {
    status: { code: number };
    headers: HeaderValueOption[];
    body: string;
  };
}

/**
 * Turn an answer into a CheckResponse. Allow: status OK and `ok_response` whose headers
 * overwrite the request's (a client's copy of an identity header never survives) and
 * `headers_to_remove` naming the client's other identity headers. Deny: PERMISSION_DENIED
 * (UNAUTHENTICATED for 401 / 302) and `denied_response` with the HTTP status, headers and
 * body Envoy sends to the client. An internal error is answered 403 with reason
 * `internal-error`, as Envoy itself answers when the authorizer fails (status_on_error).
 */
export function checkResponse(answer: Answer, headersToRemove: readonly string[]): CheckResponseMessage {
  if (answer.allow) {
    const set: string[] = [];
    const remove = [...headersToRemove];
    for (let i = 0; i + 1 < answer.headers.length; i += 2) {
      const [name, value] = [answer.headers[i]!, answer.headers[i + 1]!];
      if (value === '') remove.push(name);
      else set.push(name, value);
    }
    return {
      status: { code: RPC_OK },
      ok_response: {
        headers: options(set),
        headers_to_remove: remove,
        response_headers_to_add: [],
      },
    };
  }
  const status = answer.status >= 500 ? 403 : answer.status;
  const headers = options(answer.headers);
  if (answer.contentType) headers.push(option('content-type', answer.contentType));
  return {
    status: {
      code: status === 401 || status === 302 ? RPC_UNAUTHENTICATED : RPC_PERMISSION_DENIED,
      message: answer.decision.reasons[0] ?? 'internal-error',
    },
    denied_response: { status: { code: status }, headers, body: answer.body },
  };
}

function options(flat: readonly string[]): HeaderValueOption[] {
  const out: HeaderValueOption[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push(option(flat[i]!, flat[i + 1]!));
  return out;
}

function option(key: string, value: string): HeaderValueOption {
  return { header: { key, value }, append_action: OVERWRITE_IF_EXISTS_OR_ADD };
}
