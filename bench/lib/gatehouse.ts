/**
 * Starting Gatehouse itself for a scenario: `node src/cli/main.ts serve -c <file>` with a
 * generated config, ready when the admin `/readyz` answers 200. Every failure on the way
 * (no CLI yet, invalid config, crash, not ready in time) skips the scenario with the reason.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort, waitForHttp } from './net.ts';
import { type BenchContext, skip } from './types.ts';

/** A route in config-file form (see src/config/schema.ts). */
export type RouteInput = Record<string, unknown>;

export interface RunningGatehouse {
  /** Base URL of the bench listener, e.g. http://127.0.0.1:40123 */
  baseUrl: string;
  adminUrl: string;
  configFile: string;
}

/** Default readiness timeout in ms. */
const READY_TIMEOUT_MS = 20_000;

export interface StartGatehouseOptions {
  /** More top-level config keys (identity, policies, proxy...), merged over the defaults. */
  extra?: Record<string, unknown>;
  /** How long /readyz may take to answer 200, in ms (default 20000). */
  readyTimeoutMs?: number;
  /** `tls` of the bench listener (certFile, keyFile, clientCertificates): it then serves HTTPS. */
  tls?: Record<string, unknown>;
}

/**
 * Builds a config with one listener on `port`, the admin API on `adminPort`, the given routes
 * and the audit trail written to `auditFile` (one line per request; a file, not our pipes).
 */
export function gatehouseConfig(options: {
  port: number;
  adminPort: number;
  routes: RouteInput[];
  auditFile: string;
  extra?: Record<string, unknown>;
  tls?: Record<string, unknown>;
}): Record<string, unknown> {
  const listener = { name: 'bench', address: '127.0.0.1', port: options.port };
  return {
    listeners: [options.tls ? { ...listener, tls: options.tls } : listener],
    admin: { address: '127.0.0.1', port: options.adminPort },
    proxy: { shutdownGraceMs: 1000 },
    routes: options.routes,
    audit: { output: { file: options.auditFile } },
    ...options.extra,
  };
}

/** Validates with the repository's schema when it can be loaded; returns a problem or null. */
async function schemaProblem(repoRoot: string, config: unknown): Promise<string | null> {
  let schema: { safeParse(v: unknown): { success: boolean; error?: { issues: unknown[] } } };
  try {
    const mod = (await import(pathToFileURL(join(repoRoot, 'src/config/schema.ts')).href)) as {
      ConfigSchema: typeof schema;
    };
    schema = mod.ConfigSchema;
  } catch {
    return null; // the CLI will validate; nothing more to learn here
  }
  const parsed = schema.safeParse(config);
  if (parsed.success) return null;
  const issues = (parsed.error?.issues ?? []) as { path?: unknown[]; message?: string }[];
  return issues.map((i) => `/${(i.path ?? []).join('/')}: ${i.message}`).join('; ');
}

/**
 * Starts Gatehouse with `routes` (processes belong to the scenario's scope) and waits until
 * it is ready. Skips the scenario when it cannot.
 */
export async function startGatehouse(
  ctx: BenchContext,
  routes: RouteInput[],
  options: StartGatehouseOptions = {},
): Promise<RunningGatehouse> {
  const { extra, tls, readyTimeoutMs = READY_TIMEOUT_MS } = options;
  const cli = join(ctx.repoRoot, 'src/cli/main.ts');
  if (!existsSync(cli)) skip('Gatehouse CLI not found (src/cli/main.ts does not exist yet)');
  const port = await freePort();
  const adminPort = await freePort();
  const config = gatehouseConfig({
    port,
    adminPort,
    routes,
    auditFile: join(ctx.tmpDir, 'audit.log'),
    extra,
    tls,
  });
  const problem = await schemaProblem(ctx.repoRoot, config);
  if (problem) skip(`bench config rejected by src/config/schema.ts: ${problem}`);
  // JSON is YAML: no YAML library needed here.
  const configFile = join(ctx.tmpDir, 'gatehouse.yaml');
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const child = ctx.scope.start({
    name: 'gatehouse',
    command: process.execPath,
    args: [cli, 'serve', '-c', configFile],
    cwd: ctx.repoRoot,
    logFile: join(ctx.tmpDir, 'gatehouse.log'),
  });
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const ready = await waitForHttp(`${adminUrl}/readyz`, {
    timeoutMs: readyTimeoutMs,
    stillRunning: () => child.exitInfo() === null,
  });
  if (!ready) {
    const exit = child.exitInfo();
    const state = exit
      ? `exited (${exit.error?.message ?? exit.code ?? exit.signal}) before ready`
      : `/readyz not 200 within ${readyTimeoutMs} ms`;
    skip(`Gatehouse ${state}: ${child.logTail(3) || 'no output'}`);
  }
  return { baseUrl: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, adminUrl, configFile };
}
