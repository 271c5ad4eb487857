/**
 * The scenario registry. To add one: write `scenarios/<name>.ts` exporting a `Scenario`
 * (see lib/types.ts; HTTP scenarios call `ctx.measureHttp`, Gatehouse ones `startGatehouse`
 * from lib/gatehouse.ts) and list it below, after its baseline.
 */
import type { Scenario } from '../lib/types.ts';
import {
  gatehouseAssertion,
  gatehouseAssertionUniquePaths,
  gatehouseNoAssertion,
  gatehouseNoAssertionUniquePaths,
} from './gatehouse-assertion.ts';
import { gatehouseJwtWarm, gatehouseJwtWarmSameRequest, gatehousePublicBearer } from './gatehouse-jwt.ts';
import { gatehousePublic } from './gatehouse-public.ts';
import { gatehouseSession } from './gatehouse-session.ts';
import { grpcExtAuthzChecks } from './grpc-ext-authz-checks.ts';
import {
  assertionSignEddsa,
  assertionSignEs256,
  celEval,
  celEvalInPolicy,
  compile10kRoutes,
  configLoad10kRoutes,
  decide10kRoutes,
  decide10Routes,
  decideTypical,
  jwtVerifyColdEddsa,
  jwtVerifyColdEs256,
  jwtVerifyColdPs256,
  jwtVerifyColdRs256,
  jwtVerifyWarm,
} from './micro.ts';
import {
  nginxForwardAuthJwt,
  nginxForwardAuthJwtShared,
  nginxForwardAuthNoop,
  nginxForwardAuthNoopRaw,
} from './nginx-forward-auth-jwt.ts';
import { nginxProxyPass } from './nginx-proxy-pass.ts';
import { nodeProxyMinimal } from './node-proxy-minimal.ts';
import {
  routeLookup1k,
  routeLookup1kSpread,
  routeLookup10,
  routeLookup10k,
  routeLookup10kSpread,
} from './route-lookup.ts';
import { mtlsHandshakes, mtlsKeepAlive, tlsHandshakes, tlsKeepAlive } from './tls-handshakes.ts';
import { upstreamDirect } from './upstream-direct.ts';

/** Every scenario, in run order (a baseline comes before the scenarios measured against it). */
export const SCENARIOS: readonly Scenario[] = [
  upstreamDirect,
  nodeProxyMinimal,
  nginxProxyPass,
  nginxForwardAuthNoop,
  nginxForwardAuthNoopRaw,
  nginxForwardAuthJwt,
  nginxForwardAuthJwtShared,
  grpcExtAuthzChecks,
  gatehousePublic,
  gatehouseJwtWarm,
  gatehousePublicBearer,
  gatehouseJwtWarmSameRequest,
  gatehouseSession,
  gatehouseNoAssertion,
  gatehouseAssertion,
  gatehouseNoAssertionUniquePaths,
  gatehouseAssertionUniquePaths,
  tlsHandshakes,
  mtlsHandshakes,
  tlsKeepAlive,
  mtlsKeepAlive,
  routeLookup10,
  routeLookup1k,
  routeLookup10k,
  routeLookup1kSpread,
  routeLookup10kSpread,
  decideTypical,
  decide10Routes,
  decide10kRoutes,
  celEval,
  celEvalInPolicy,
  compile10kRoutes,
  configLoad10kRoutes,
  jwtVerifyColdRs256,
  jwtVerifyColdPs256,
  jwtVerifyColdEs256,
  jwtVerifyColdEddsa,
  jwtVerifyWarm,
  assertionSignEs256,
  assertionSignEddsa,
];

/** The scenarios named in `only` plus their baselines, in registry order; all when `only` is null. */
export function selectScenarios(only: string[] | null): Scenario[] {
  if (!only) return [...SCENARIOS];
  const byName = new Map(SCENARIOS.map((s) => [s.name, s]));
  const unknown = only.filter((name) => !byName.has(name));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario(s): ${unknown.join(', ')} (see --list)`);
  }
  const wanted = new Set<string>();
  const add = (name: string) => {
    if (wanted.has(name)) return;
    wanted.add(name);
    const baseline = byName.get(name)?.baseline;
    if (baseline) add(baseline);
  };
  for (const name of only) add(name);
  return SCENARIOS.filter((s) => wanted.has(s.name));
}
