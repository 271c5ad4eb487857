import type { IncomingHttpHeaders } from 'node:http';
import { type Config, type ConfigProblem, formatProblem, loadConfigFile } from '../config/index.ts';
import { buildEngine, type Engine, simulateSync, statusFor, type Verdict } from '../decision/index.ts';
import type { Principal, RequestInfo } from '../model/index.ts';
import type { Trace } from '../policy/index.ts';
import { normaliseTarget, parseHostValue } from '../routing/index.ts';
import { engineParts } from '../server/parts.ts';

/** Load and compile a config for a command that simulates decisions (no listeners, no fetches). */
export async function loadEngine(
  file: string,
): Promise<{ ok: true; engine: Engine; config: Config } | { ok: false; messages: string[] }> {
  const loaded = await loadConfigFile(file);
  if (!loaded.ok)
    return { ok: false, messages: loaded.problems.map((p: ConfigProblem) => formatProblem(p, file)) };
  const built = buildEngine(loaded.config, 0, engineParts({ checkOnly: true }));
  if (!built.ok) return { ok: false, messages: built.problems.map((p) => formatProblem(p, file)) };
  return { ok: true, engine: built.engine, config: loaded.config };
}

export type ParsedRequest = { ok: true; request: RequestInfo } | { ok: false; message: string };

/**
 * Parse `GET https://host/path?query` (method optional, default GET) into the same canonical
 * RequestInfo the proxy builds: host and path normalised by the same functions.
 */
export function parseRequestLine(
  line: string,
  options: {
    headers?: IncomingHttpHeaders;
    clientAddress?: string;
    mergeSlashes: boolean;
    allowSemicolons: boolean;
  },
): ParsedRequest {
  const m = /^\s*(?:([A-Za-z]+)\s+)?(https?):\/\/([^/?#\s]+)(\S*)\s*$/.exec(line);
  if (!m)
    return {
      ok: false,
      message: `cannot read the request "${line}": expected e.g. "GET https://app.example.com/path"`,
    };
  const [, method = 'GET', scheme, authority, rest] = m as unknown as [
    string,
    string | undefined,
    'http' | 'https',
    string,
    string,
  ];
  const host = parseHostValue(authority);
  if (!host.ok) return { ok: false, message: `invalid host: ${host.detail}` };
  const target = normaliseTarget(rest === '' ? '/' : rest, host.host, {
    mergeSlashes: options.mergeSlashes,
    allowSemicolons: options.allowSemicolons,
  });
  if (!target.ok)
    return { ok: false, message: `the proxy would answer 400 (${target.code}): ${target.detail}` };
  const client = options.clientAddress ?? '192.0.2.10';
  return {
    ok: true,
    request: {
      id: 'simulated',
      method: method.toUpperCase(),
      scheme,
      host: host.host,
      port: host.port ?? (scheme === 'https' ? 443 : 80),
      path: target.path,
      query: target.query,
      headers: { host: authority, ...options.headers },
      peerAddress: client,
      clientAddress: client,
      listener: 'simulated',
    },
  };
}

/** Parse repeated `--header "Name: value"` flags. */
export function parseHeaderFlags(values: readonly string[]): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const v of values) {
    const i = v.indexOf(':');
    if (i <= 0) continue;
    out[v.slice(0, i).trim().toLowerCase()] = v.slice(i + 1).trim();
  }
  return out;
}

export interface Simulation {
  readonly verdict: Verdict;
  readonly status: number;
  readonly trace?: Trace;
}

/** Decide a request for a principal exactly as the proxy would, with the policy's trace. */
export function runSimulation(
  engine: Engine,
  principal: Principal | undefined,
  request: RequestInfo,
  nowSeconds: number,
): Simulation {
  const verdict = simulateSync(engine, principal, request, nowSeconds);
  const route = verdict.route;
  let trace: Trace | undefined;
  if (route?.policy?.explain && !(route.requireMtls && principal?.method !== 'mtls')) {
    trace = route.policy.explain({
      ...(principal ? { principal } : {}),
      request,
      nowSeconds,
      routeId: route.id,
    }) as Trace;
  }
  return { verdict, status: statusFor(verdict.decision), ...(trace ? { trace } : {}) };
}
