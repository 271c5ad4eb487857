import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { decisionLabel } from '../audit/index.ts';
import type { Principal } from '../model/index.ts';
import { formatTrace, type PrincipalSpec, principalFromSpec } from '../policy/index.ts';
import { loadEngine, parseHeaderFlags, parseRequestLine, runSimulation } from './scenario.ts';

export interface ExplainOptions {
  readonly config: string;
  readonly request: string;
  readonly principalFile?: string;
  readonly subject?: string;
  readonly email?: string;
  readonly groups?: string;
  readonly kind?: string;
  readonly spiffeId?: string;
  readonly issuer?: string;
  readonly method?: string;
  readonly claims?: string;
  readonly headers: readonly string[];
  readonly sourceIp?: string;
  readonly at?: string;
  readonly anonymous?: boolean;
  readonly json: boolean;
}

/** Build the principal from `--principal FILE` (JSON or YAML) and/or flags; undefined = anonymous. */
export function principalFromOptions(o: ExplainOptions): Principal | undefined {
  if (o.anonymous) return undefined;
  let spec: Record<string, unknown> = {};
  if (o.principalFile)
    spec = (parseYaml(readFileSync(o.principalFile, 'utf8')) ?? {}) as Record<string, unknown>;
  if (o.subject) spec.subject = o.subject;
  if (o.email) spec.email = o.email;
  if (o.groups)
    spec.groups = o.groups
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean);
  if (o.kind) spec.kind = o.kind;
  if (o.spiffeId) spec.spiffeId = o.spiffeId;
  if (o.issuer) spec.issuer = o.issuer;
  if (o.method) spec.method = o.method;
  if (o.claims) spec.claims = JSON.parse(o.claims) as Record<string, unknown>;
  if (Object.keys(spec).length === 0) return undefined;
  return principalFromSpec(spec as PrincipalSpec);
}

/**
 * `gatehouse explain -c FILE [principal flags] "GET https://host/path"`: simulate a request
 * for an identity and print the decision trace (route, each rule and criterion, outcome,
 * reasons). `--json` prints the same as one JSON object. Exit 0 whatever the outcome.
 */
export async function runExplain(
  o: ExplainOptions,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const loaded = await loadEngine(o.config);
  if (!loaded.ok) {
    for (const m of loaded.messages) err(m);
    return 1;
  }
  let principal: Principal | undefined;
  try {
    principal = principalFromOptions(o);
  } catch (e) {
    err(`gatehouse explain: invalid principal: ${(e as Error).message}`);
    return 2;
  }
  const parsed = parseRequestLine(o.request, {
    headers: parseHeaderFlags(o.headers),
    ...(o.sourceIp ? { clientAddress: o.sourceIp } : {}),
    mergeSlashes: loaded.config.proxy.mergeSlashes,
    allowSemicolons: loaded.config.proxy.allowSemicolons,
  });
  if (!parsed.ok) {
    if (o.json)
      out(
        JSON.stringify({
          outcome: 'deny',
          status: 400,
          reasons: ['request-invalid'],
          detail: parsed.message,
        }),
      );
    else out(`request   ${o.request}\noutcome   DENY 400 request-invalid: ${parsed.message}`);
    return 0;
  }
  const now = o.at ? Date.parse(o.at) / 1000 : Date.now() / 1000;
  if (Number.isNaN(now)) {
    err(`gatehouse explain: --at must be an ISO 8601 time, not ${o.at}`);
    return 2;
  }
  const sim = runSimulation(loaded.engine, principal, parsed.request, now);
  const d = sim.verdict.decision;
  const route = sim.verdict.route;
  if (o.json) {
    out(
      JSON.stringify(
        {
          request: {
            method: parsed.request.method,
            host: parsed.request.host,
            path: parsed.request.path,
            query: parsed.request.query,
          },
          route: route ? { id: route.id, index: route.index, mode: route.mode, public: route.public } : null,
          principal: principal ?? null,
          outcome: d.outcome,
          decision: decisionLabel(d),
          status: sim.status,
          ruleId: d.ruleId ?? null,
          reasons: d.reasons,
          challenge: d.challenge ?? null,
          trace: sim.trace ?? null,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  const r = parsed.request;
  out(`request   ${r.method} ${r.scheme}://${r.host}${r.path}${r.query ? `?${r.query}` : ''}`);
  out(
    principal
      ? `principal ${principal.kind} ${principal.subject} (${principal.method}${principal.groups.length ? `; groups ${principal.groups.join(', ')}` : ''})`
      : 'principal anonymous',
  );
  out(
    route
      ? `route     ${route.id} (/routes/${route.index}: host ${route.config.match.host}, ${route.config.match.pathMatch} ${route.config.match.path}, mode ${route.mode}${route.public ? ', public' : ''})`
      : 'route     none',
  );
  if (sim.trace) out(formatTrace(sim.trace));
  out(
    `outcome   ${decisionLabel(d).toUpperCase()} ${sim.status}${d.ruleId ? ` by rule ${d.ruleId}` : ''} — reasons: ${d.reasons.join(', ')}`,
  );
  if (d.challenge) out(`challenge ${JSON.stringify(d.challenge)}`);
  return 0;
}
