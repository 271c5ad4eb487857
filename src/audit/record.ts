import type { Decision, Principal } from '../model/index.ts';
import type { RequestFinishedEvent } from '../observe/index.ts';

/** The decision as the audit log names it: audit-mode denials are `would-deny`. */
export function decisionLabel(
  decision: Decision,
): 'allow' | 'deny' | 'challenge' | 'would-deny' | 'would-challenge' {
  if (decision.mode === 'audit' && decision.outcome !== 'allow') {
    return decision.outcome === 'challenge' ? 'would-challenge' : 'would-deny';
  }
  return decision.outcome;
}

/** Principal attributes for the record: what policy and replay need, never a credential. */
export function principalRecord(p: Principal): Record<string, unknown> {
  return {
    kind: p.kind,
    subject: p.subject,
    issuer: p.issuer,
    method: p.method,
    source: p.source,
    ...(p.email ? { email: p.email } : {}),
    ...(p.groups.length > 0 ? { groups: p.groups } : {}),
    ...(p.spiffe ? { spiffeId: p.spiffe.id } : {}),
    ...(p.kubernetes ? { kubernetes: p.kubernetes } : {}),
    ...(p.authTime !== undefined ? { authTime: p.authTime } : {}),
    ...(p.expiresAt !== undefined ? { expiresAt: p.expiresAt } : {}),
    ...(p.acr ? { acr: p.acr } : {}),
    ...(p.amr ? { amr: p.amr } : {}),
    ...claimsRecord(p.claims),
  };
}

const MAX_CLAIMS_JSON = 2048;
/** Standard JWT members carry nothing policy needs beyond the fields above. */
const SKIP_CLAIMS = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'auth_time',
  'acr',
  'amr',
  'nonce',
  'at_hash',
  'c_hash',
  'sid',
  'azp',
]);

/**
 * Verified claims, so `policy replay` can re-decide claim criteria. Claims are statements
 * signed by an issuer, not credentials; oversized claim sets are left out (counted by size).
 */
function claimsRecord(claims: Readonly<Record<string, unknown>>): { claims?: Record<string, unknown> } {
  const kept: Record<string, unknown> = {};
  let any = false;
  for (const k in claims) {
    if (SKIP_CLAIMS.has(k)) continue;
    kept[k] = claims[k];
    any = true;
  }
  if (!any) return {};
  const json = JSON.stringify(kept);
  return json.length <= MAX_CLAIMS_JSON ? { claims: kept } : {};
}

/**
 * One decision record per request (see docs/audit-events.md). No header values are
 * recorded: headers can carry credentials.
 */
export function decisionRecord(e: RequestFinishedEvent): Record<string, unknown> {
  const { request: r, decision: d } = e;
  return {
    event: 'decision',
    requestId: r.id,
    via: e.via,
    listener: r.listener,
    route: d.routeId ?? null,
    decision: decisionLabel(d),
    reason: d.reasons[0] ?? null,
    ...(d.reasons.length > 1 ? { reasons: d.reasons } : {}),
    ...(d.ruleId ? { rule: d.ruleId } : {}),
    mode: d.mode,
    method: r.method,
    scheme: r.scheme,
    host: r.host,
    path: r.path,
    status: e.status,
    ...(e.upstreamStatus !== undefined ? { upstreamStatus: e.upstreamStatus } : {}),
    ...(e.errorCode ? { error: e.errorCode } : {}),
    durationMs: Math.round(e.durationMs * 1000) / 1000,
    client: r.clientAddress,
    ...(r.clientAddress !== r.peerAddress ? { peer: r.peerAddress } : {}),
    ...(d.principal ? { principal: principalRecord(d.principal) } : {}),
    ...(d.detail ? { detail: d.detail } : {}),
  };
}

/** Characters a JSON string holds as they are (no quote, backslash or control character). */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
/** JSON.stringify for a string, without its cost for the plain ASCII most fields are. */
function json(value: unknown): string {
  return typeof value === 'string' && PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
}
const principalJson = new WeakMap<object, string>();

/**
 * The same record as `decisionRecord`, serialised straight to one JSON line (with `log` and
 * `time` first). Built by concatenation — this runs once per request — and the principal's
 * part is serialised once per principal object (cached principals are shared across requests).
 */
export function decisionLine(e: RequestFinishedEvent, time: string): string {
  const { request: r, decision: d } = e;
  let line = `{"log":"audit","time":"${time}","event":"decision","requestId":${json(r.id)},"via":${json(e.via)},"listener":${json(r.listener)},"route":${d.routeId === undefined ? 'null' : json(d.routeId)},"decision":"${decisionLabel(d)}","reason":${d.reasons[0] === undefined ? 'null' : `"${d.reasons[0]}"`}`;
  if (d.reasons.length > 1) line += `,"reasons":${json(d.reasons)}`;
  if (d.ruleId) line += `,"rule":${json(d.ruleId)}`;
  line += `,"mode":"${d.mode}","method":${json(r.method)},"scheme":"${r.scheme}","host":${json(r.host)},"path":${json(r.path)},"status":${e.status}`;
  if (e.upstreamStatus !== undefined) line += `,"upstreamStatus":${e.upstreamStatus}`;
  if (e.errorCode) line += `,"error":${json(e.errorCode)}`;
  line += `,"durationMs":${Math.round(e.durationMs * 1000) / 1000},"client":${json(r.clientAddress)}`;
  if (r.clientAddress !== r.peerAddress) line += `,"peer":${json(r.peerAddress)}`;
  if (d.principal) {
    let p = principalJson.get(d.principal);
    if (p === undefined) {
      p = json(principalRecord(d.principal));
      principalJson.set(d.principal, p);
    }
    line += `,"principal":${p}`;
  }
  if (d.detail) line += `,"detail":${json(d.detail)}`;
  return `${line}}\n`;
}
