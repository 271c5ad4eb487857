import { join } from 'node:path';
import { startGatehouse } from '../lib/gatehouse.ts';
import { benchIssuer } from '../lib/jwt.ts';
import { freePort } from '../lib/net.ts';
import { type Measurement, type Scenario, skip } from '../lib/types.ts';

const HOST = 'api.bench.test';
/** Channels (Envoy keeps a few HTTP/2 connections) and calls outstanding on each. */
const CLIENTS = 4;
const INFLIGHT = 8;

interface WorkerAnswer {
  skipped?: string;
  rps?: number;
  p50Ms?: number;
  p99Ms?: number;
  errors?: number;
  denied?: number;
  calls?: number;
}

/**
 * Envoy ext_authz gRPC checks per second: CheckRequests with a bearer JWT (cached after the
 * first verification) against a policy, answered with the signed assertion. A figure of its
 * own (no baseline: nothing else here speaks ext_authz); the load runs in a separate process.
 */
export const grpcExtAuthzChecks: Scenario = {
  name: 'grpc-ext-authz-checks',
  baseline: null,
  description: `ext_authz gRPC Check calls/s (${CLIENTS} channels x ${INFLIGHT} in flight, bearer JWT, policy, assertion).`,
  async run(ctx): Promise<Measurement> {
    const issuer = benchIssuer(ctx.tmpDir);
    const grpcPort = await freePort();
    await startGatehouse(
      ctx,
      [
        {
          id: 'bench-api',
          match: { host: HOST, path: '/' },
          policy: { allow: [{ id: 'bench', subject: 'bench-client' }] },
          assertion: { audience: 'https://api.bench.test' },
        },
      ],
      {
        extra: {
          identity: { jwt: [issuer.config] },
          assertion: { issuer: 'https://gatehouse.bench.test' },
          forwardAuth: { trustedProxies: ['127.0.0.1/32'], grpc: { address: '127.0.0.1', port: grpcPort } },
        },
      },
    );
    const { durationS, warmupS } = ctx.options;
    ctx.log(`  ${CLIENTS} channels x ${INFLIGHT} in flight, ${warmupS} s warm-up, ${durationS} s measured`);
    const worker = ctx.scope.start({
      name: 'grpc-client',
      command: process.execPath,
      args: [
        join(ctx.benchDir, 'micro/grpc-ext-authz.ts'),
        ctx.repoRoot,
        String(grpcPort),
        String(durationS),
        String(warmupS),
        issuer.token(),
        HOST,
        String(CLIENTS),
        String(INFLIGHT),
      ],
      cwd: ctx.benchDir,
      logFile: join(ctx.tmpDir, 'grpc-client.log'),
      captureStdout: true,
    });
    const exit = await worker.exited;
    if (exit.code !== 0)
      throw new Error(`grpc client exited with ${exit.code ?? exit.signal}: ${worker.logTail(3)}`);
    const line = worker.stdout().trim().split('\n').at(-1) ?? '';
    const a = JSON.parse(line) as WorkerAnswer;
    if (a.skipped) skip(a.skipped);
    if ((a.denied ?? 0) > 0)
      throw new Error(`${a.denied} of ${a.calls} checks were denied: the bench token should pass`);
    ctx.log(`  ${a.calls} checks, ${a.errors} errors`);
    return { rps: a.rps ?? 0, p50Ms: a.p50Ms ?? 0, p99Ms: a.p99Ms ?? 0, errors: a.errors ?? 0 };
  },
};
