import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Outcome, Principal } from '../model/index.ts';
import { type PrincipalSpec, principalFromSpec } from '../policy/index.ts';
import { loadEngine, parseRequestLine, runSimulation } from './scenario.ts';

interface Change {
  readonly line: number;
  readonly requestId: string;
  readonly what: string;
  readonly from: Outcome;
  readonly to: Outcome;
  readonly route: string;
  readonly reasons: readonly string[];
}

function recordedOutcome(decision: unknown): Outcome | undefined {
  switch (decision) {
    case 'allow':
      return 'allow';
    case 'deny':
    case 'would-deny':
      return 'deny';
    case 'challenge':
    case 'would-challenge':
      return 'challenge';
    default:
      return undefined;
  }
}

/** Rebuild the principal from an audit record (no credentials are in it, nor needed). */
function principalOf(p: Record<string, unknown> | undefined): Principal | undefined {
  if (!p) return undefined;
  const spec: Record<string, unknown> = {};
  for (const k of [
    'kind',
    'subject',
    'issuer',
    'method',
    'source',
    'email',
    'groups',
    'spiffeId',
    'kubernetes',
    'authTime',
    'expiresAt',
    'acr',
    'amr',
    'claims',
  ]) {
    if (p[k] !== undefined) spec[k] = p[k];
  }
  if (spec.kind !== 'user' && spec.kind !== 'workload') return undefined;
  return principalFromSpec(spec as PrincipalSpec);
}

/**
 * `gatehouse policy replay -c CANDIDATE.yaml DECISIONS.jsonl`: decide every recorded request
 * again under the candidate config and list those whose outcome would change, with counts
 * per route. Header and query values are never recorded (they can carry credentials), so
 * header/query criteria see them as absent. Exit 0; `--fail-on-change` exits 1 on a change.
 */
export async function runPolicyReplay(
  configFile: string,
  logFile: string,
  options: { json: boolean; failOnChange: boolean },
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const loaded = await loadEngine(configFile);
  if (!loaded.ok) {
    for (const m of loaded.messages) err(m);
    return 1;
  }
  const changes: Change[] = [];
  const perRoute = new Map<
    string,
    { total: number; allowToDeny: number; denyToAllow: number; other: number }
  >();
  let total = 0;
  let skipped = 0;
  let lineNo = 0;
  const lines = createInterface({ input: createReadStream(logFile), crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      lineNo++;
      if (!line.trim()) continue;
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        skipped++;
        continue;
      }
      if (rec.event !== 'decision') continue;
      const from = recordedOutcome(rec.decision);
      if (
        !from ||
        typeof rec.host !== 'string' ||
        typeof rec.path !== 'string' ||
        rec.reason === 'request-invalid'
      ) {
        skipped++;
        continue;
      }
      const method = typeof rec.method === 'string' ? rec.method : 'GET';
      const scheme = rec.scheme === 'http' ? 'http' : 'https';
      const parsed = parseRequestLine(`${method} ${scheme}://${rec.host}${rec.path}`, {
        ...(typeof rec.client === 'string' ? { clientAddress: rec.client } : {}),
        mergeSlashes: loaded.config.proxy.mergeSlashes,
        allowSemicolons: loaded.config.proxy.allowSemicolons,
      });
      if (!parsed.ok) {
        skipped++;
        continue;
      }
      let principal: Principal | undefined;
      try {
        principal = principalOf(rec.principal as Record<string, unknown> | undefined);
      } catch {
        skipped++;
        continue;
      }
      const when = typeof rec.time === 'string' ? Date.parse(rec.time) / 1000 : Date.now() / 1000;
      total++;
      const sim = runSimulation(loaded.engine, principal, parsed.request, when);
      const to = sim.verdict.decision.outcome;
      const route = sim.verdict.decision.routeId ?? (typeof rec.route === 'string' ? rec.route : '(none)');
      const stats = perRoute.get(route) ?? { total: 0, allowToDeny: 0, denyToAllow: 0, other: 0 };
      stats.total++;
      perRoute.set(route, stats);
      if (to === from) continue;
      if (from === 'allow' && to === 'deny') stats.allowToDeny++;
      else if (from === 'deny' && to === 'allow') stats.denyToAllow++;
      else stats.other++;
      changes.push({
        line: lineNo,
        requestId: String(rec.requestId ?? ''),
        what: `${method} ${rec.host}${rec.path}${principal ? ` as ${principal.subject}` : ' (anonymous)'}`,
        from,
        to,
        route,
        reasons: sim.verdict.decision.reasons,
      });
    }
  } catch (e) {
    err(`${logFile}: cannot read: ${(e as Error).message}`);
    return 1;
  }
  if (options.json) {
    out(
      JSON.stringify(
        { total, skipped, changed: changes.length, changes, routes: Object.fromEntries(perRoute) },
        null,
        2,
      ),
    );
  } else {
    for (const c of changes) {
      out(
        `${c.from} -> ${c.to}  ${c.what}  route ${c.route}  [${c.reasons.join(', ')}]  (line ${c.line}, request ${c.requestId})`,
      );
    }
    out('');
    out('route                          replayed  allow->deny  deny->allow  other');
    for (const [route, s] of [...perRoute].sort()) {
      out(
        `${route.padEnd(30)} ${String(s.total).padStart(8)}  ${String(s.allowToDeny).padStart(11)}  ${String(s.denyToAllow).padStart(11)}  ${String(s.other).padStart(5)}`,
      );
    }
    out(`${total} replayed, ${changes.length} would change, ${skipped} skipped`);
  }
  return options.failOnChange && changes.length > 0 ? 1 : 0;
}
