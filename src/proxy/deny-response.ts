import type { ServerResponse } from 'node:http';
import type { Decision } from '../model/index.ts';
import { REASONS } from '../model/index.ts';

/** How a client wants its error: picked from Accept, the way Oathkeeper's `when` does. */
export type ResponseFlavour = 'json' | 'html' | 'text';

export function flavourFor(accept: string | undefined): ResponseFlavour {
  if (!accept) return 'text';
  const a = accept.toLowerCase();
  const json = a.indexOf('application/json');
  const html = a.indexOf('text/html');
  if (json !== -1 && (html === -1 || json < html)) return 'json';
  if (html !== -1) return 'html';
  if (a.includes('+json')) return 'json';
  return 'text';
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Sign-in required',
  403: 'Access denied',
  404: 'Not found',
  408: 'Request timeout',
  413: 'Request body too large',
  500: 'Internal error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

export interface DenyBody {
  readonly status: number;
  /** A reason code (deny) or an error code (failure); both are stable identifiers. */
  readonly code: string;
  readonly message: string;
  readonly requestId: string;
  /** All reason codes, when a decision has more than one (e.g. no-rule-matched + the failed criterion). */
  readonly reasons?: readonly string[];
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Render a denial or failure for the client. Never includes tokens, cookies or internals. */
export function renderDeny(
  body: DenyBody,
  flavour: ResponseFlavour,
): { contentType: string; payload: string } {
  const title = TITLES[body.status] ?? 'Error';
  if (flavour === 'json') {
    return {
      contentType: 'application/json; charset=utf-8',
      payload: JSON.stringify({
        error: body.code,
        message: body.message,
        status: body.status,
        requestId: body.requestId,
        ...(body.reasons && body.reasons.length > 1 ? { reasons: body.reasons } : {}),
      }),
    };
  }
  if (flavour === 'html') {
    return {
      contentType: 'text/html; charset=utf-8',
      payload: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a}code{background:#eee;padding:.1rem .3rem}</style>
</head><body><main>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(body.message)}</p>
<dl><dt>Reason</dt><dd><code>${escapeHtml((body.reasons && body.reasons.length > 1 ? body.reasons : [body.code]).join(', '))}</code></dd>
<dt>Request id</dt><dd><code>${escapeHtml(body.requestId)}</code></dd></dl>
</main></body></html>
`,
    };
  }
  return {
    contentType: 'text/plain; charset=utf-8',
    payload: `${body.status} ${title}: ${body.message} (reason ${body.code}, request id ${body.requestId})\n`,
  };
}

/** Write a denial response; `extraHeaders` carries e.g. WWW-Authenticate. */
export function sendDeny(
  res: ServerResponse,
  body: DenyBody,
  accept: string | undefined,
  extraHeaders?: Record<string, string>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { contentType, payload } = renderDeny(body, flavourFor(accept));
  res.writeHead(body.status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-request-id': body.requestId,
    ...extraHeaders,
  });
  res.end(payload);
}

/** The message shown for a decision: the reason's catalogue text. */
export function decisionMessage(decision: Decision): string {
  const reason = decision.reasons[0];
  return reason ? REASONS[reason] : 'access denied';
}
