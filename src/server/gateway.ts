import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { AuditLog } from '../audit/index.ts';
import {
  type Config,
  type ConfigProblem,
  formatProblem,
  loadConfigText,
  type SourceMap,
  withLine,
} from '../config/index.ts';
import { buildEngine, type CompiledRoute, type Engine, type EngineParts } from '../decision/index.ts';
import { ForwardAuth } from '../forward-auth/index.ts';
import { type MtlsAuthenticator, mtlsTlsServerOptions } from '../identity/index.ts';
import { Metrics } from '../metrics/index.ts';
import type { Decision, RequestInfo } from '../model/index.ts';
import { channels, publish } from '../observe/index.ts';
import { type ProxyContext, Tunnels, UpstreamPools } from '../proxy/index.ts';
import { createSso, type Sso } from '../sso/index.ts';
import { type AdminRoute, startAdmin } from './admin.ts';
import { authorizeAdminWrite } from './admin-auth.ts';
import { watchFiles } from './file-watch.ts';
import { type ClientCertificateOptions, type RunningListener, startListener } from './listeners.ts';
import { describeError } from './log.ts';
import { JWKS_PATH, Propagation } from './propagation.ts';
import { type ReservedHandler, reservedPaths } from './reserved.ts';

export interface GatewayOptions {
  /** Config file path (watched for changes), or `configText` for tests. */
  readonly configFile?: string;
  readonly configText?: string;
  readonly logger: Logger;
  readonly parts?: EngineParts;
  /** Watch the config file and reload on change (default true with configFile). */
  readonly watch?: boolean;
  readonly nowSeconds?: () => number;
  readonly clientCertificates?: ClientCertificateOptions;
  readonly reserved?: ReadonlyMap<string, ReservedHandler>;
  /**
   * A caller-owned SSO instance (tests); by default the gateway creates one when
   * `identity.oidc` is configured. Its endpoints, challenge and session authenticator are wired in.
   */
  readonly sso?: Sso;
  readonly adminRoutes?: ReadonlyMap<string, AdminRoute>;
  /** Answers a denial itself when it can (SSO sign-in redirect, API 401, access-denied page); see ProxyContext. */
  readonly challenge?: NonNullable<ProxyContext['challenge']>;
  /** Rewrites the Cookie header sent upstream (SSO drops its own cookies); see ProxyContext. */
  readonly filterCookie?: NonNullable<ProxyContext['filterCookie']>;
}

type LoadOutcome =
  | { ok: true; config: Config; warnings: ConfigProblem[]; source?: SourceMap }
  | { ok: false; problems: ConfigProblem[] };

export class ConfigRejectedError extends Error {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[], file?: string) {
    super(`configuration rejected:\n${problems.map((p) => formatProblem(p, file)).join('\n')}`);
    this.problems = problems;
  }
}

/**
 * Wiring: loads config, builds the engine, binds listeners and the admin port, swaps
 * engines on reload, and drains on shutdown. Holds the only mutable reference to the
 * current engine: a reload replaces it in one assignment.
 */
export class Gateway {
  #engine!: Engine;
  #generation = 0;
  #listeners: RunningListener[] = [];
  #admin?: Awaited<ReturnType<typeof startAdmin>>;
  #audit?: AuditLog;
  #metrics = new Metrics();
  #pools = new UpstreamPools();
  #propagation = new Propagation();
  #sso?: Sso;
  #tunnels = new Tunnels();
  #recheckTimer?: NodeJS.Timeout;
  readonly #forwardAuth = new ForwardAuth({
    current: () => this.#engine,
    nowSeconds: () => this.#now(),
    propagate: (d, r, i, n) => this.#propagation.headers(d, r, i, n),
  });
  #stopWatch?: () => void;
  #draining = false;
  #inFlight = 0;
  #idleWaiters: (() => void)[] = [];
  #reloading: Promise<unknown> = Promise.resolve();
  readonly #o: GatewayOptions;
  readonly #log: Logger;
  readonly #onReloadEvent = (m: unknown) => {
    const e = m as { ok: boolean; generation: number; trigger: string; problems?: string[]; file?: string };
    if (e.ok)
      this.#log.info(
        { event: 'config-loaded', generation: e.generation, trigger: e.trigger },
        'config loaded',
      );
    else
      this.#log.error(
        { event: 'config-rejected', trigger: e.trigger, problems: e.problems },
        'config rejected; the previous config keeps serving',
      );
  };
  readonly #onInternal = (m: unknown) => {
    const e = m as { where: string; requestId?: string; error: unknown };
    this.#log.error(
      { event: 'internal-error', where: e.where, requestId: e.requestId, error: describeError(e.error) },
      'internal error (request denied)',
    );
  };
  readonly #onUpstream = (m: unknown) => {
    this.#log.warn({ event: 'upstream-error', ...(m as object) }, 'upstream error');
  };
  readonly #onTls = (m: unknown) => {
    const e = m as { listener: string; ok: boolean; error?: string };
    if (e.ok) this.#log.info({ event: 'tls-reloaded', listener: e.listener }, 'TLS certificate reloaded');
    else
      this.#log.error(
        { event: 'tls-reload-failed', listener: e.listener, error: e.error },
        'TLS reload failed; old certificate kept',
      );
  };

  readonly #onTrim = (m: unknown) => {
    this.#log.warn(
      { event: 'assertion-trimmed', ...(m as object) },
      'assertion over its size budget: claims trimmed',
    );
  };
  readonly #now: () => number;

  private constructor(o: GatewayOptions) {
    this.#o = o;
    this.#log = o.logger;
    this.#now = o.nowSeconds ?? (() => Date.now() / 1000);
  }

  /** Identity propagation (assertion keys, signer, JWKS). */
  get propagation(): Propagation {
    return this.#propagation;
  }

  /** Load config, bind everything; rejects with ConfigRejectedError on a bad config. */
  static async start(o: GatewayOptions): Promise<Gateway> {
    const g = new Gateway(o);
    await g.#start();
    return g;
  }

  get engine(): Engine {
    return this.#engine;
  }
  get generation(): number {
    return this.#generation;
  }
  get adminPort(): number {
    return this.#admin?.port ?? 0;
  }
  /** Port of the ext_authz gRPC server (forwardAuth.grpc), or undefined. */
  get extAuthzPort(): number | undefined {
    return this.#forwardAuth.grpcPort;
  }
  /** Open WebSocket tunnels (re-decided on reload and every 30 s). */
  get tunnels(): Tunnels {
    return this.#tunnels;
  }
  get metrics(): Metrics {
    return this.#metrics;
  }
  listenerPort(name: string): number {
    const l = this.#listeners.find((x) => x.name === name);
    if (!l) throw new Error(`no listener ${name}`);
    return l.port();
  }
  get ready(): boolean {
    return (
      !this.#draining &&
      this.#engine !== undefined &&
      this.#listeners.length > 0 &&
      this.#listeners.every((l) => l.server.listening)
    );
  }

  /** Digest of the config text last seen (loaded or rejected): a file event with no change is ignored. */
  #lastDigest?: string;

  async #load(): Promise<LoadOutcome> {
    if (this.#o.configText !== undefined) return loadConfigText(this.#o.configText);
    if (this.#o.configFile) {
      let text: string;
      try {
        text = await readFile(this.#o.configFile, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
        return {
          ok: false,
          problems: [{ severity: 'error', pointer: '', message: `cannot read config file (${code})` }],
        };
      }
      this.#lastDigest = createHash('sha256').update(text).digest('hex');
      return loadConfigText(text, this.#o.configFile);
    }
    return { ok: false, problems: [{ severity: 'error', pointer: '', message: 'no config given' }] };
  }

  /** Whether the config file's content differs from what was last loaded. */
  async #fileChanged(): Promise<boolean> {
    if (!this.#o.configFile || this.#lastDigest === undefined) return true;
    try {
      const text = await readFile(this.#o.configFile, 'utf8');
      return createHash('sha256').update(text).digest('hex') !== this.#lastDigest;
    } catch {
      return true;
    }
  }

  async #start(): Promise<void> {
    channels.configReload.subscribe(this.#onReloadEvent);
    channels.internalError.subscribe(this.#onInternal);
    channels.upstreamError.subscribe(this.#onUpstream);
    channels.tlsReload.subscribe(this.#onTls);
    channels.assertionTrimmed.subscribe(this.#onTrim);
    const loaded = await this.#load();
    if (!loaded.ok) throw new ConfigRejectedError(loaded.problems, this.#o.configFile);
    if (this.#o.sso) {
      this.#sso = this.#o.sso; // created and closed by the caller (tests, benchmarks)
    } else if (loaded.config.identity.oidc) {
      // people sign in through the OIDC provider; the session authenticator joins the chain
      const config = loaded.config;
      try {
        this.#sso = createSso(config, {
          nowSeconds: () => Math.floor(this.#now()),
          authorizeAdmin: (q, r) => authorizeAdminWrite(this.#engine?.config ?? config, q, r),
        });
      } catch (err) {
        throw new ConfigRejectedError(
          [{ severity: 'error', pointer: '/identity/oidc', message: describeError(err).message }],
          this.#o.configFile,
        );
      }
    }
    const built = this.#compile(loaded, 1);
    if (!built.ok) throw new ConfigRejectedError(built.problems, this.#o.configFile);
    built.commit();
    for (const w of built.warnings)
      this.#log.warn({ event: 'config-warning' }, formatProblem(w, this.#o.configFile));
    this.#engine = built.engine;
    this.#generation = 1;
    this.#audit = new AuditLog({ output: loaded.config.audit.output });
    const audit = this.#audit;
    this.#metrics.trackAuditDrops(() => audit.dropped);
    const reserved = new Map(this.#o.reserved ?? []);
    if (this.#sso) for (const [path, handler] of this.#sso.reserved) reserved.set(path, handler);
    reserved.set(JWKS_PATH, (_info, req, res) => this.#propagation.serveJwks(req, res, this.#now()));
    for (const [path, handler] of this.#forwardAuth.reservedHandlers(loaded.config))
      reserved.set(path, handler);
    const forwardAuthListener = loaded.config.forwardAuth?.listener;
    const dedicated = this.#forwardAuth.dedicatedHandler();
    const adminRoutes = new Map(this.#o.adminRoutes ?? []);
    if (this.#sso) for (const [path, handler] of this.#sso.adminRoutes) adminRoutes.set(path, handler);
    adminRoutes.set(JWKS_PATH, (req, res) => this.#propagation.serveJwks(req, res, this.#now()));
    const ctx = {
      current: () => this.#engine,
      pools: this.#pools,
      tunnels: this.#tunnels,
      nowSeconds: this.#now,
      reserved: reservedPaths(reserved),
      propagate: (d: Decision, r: CompiledRoute, i: RequestInfo, n: number) =>
        this.#propagation.headers(d, r, i, n),
      ...(this.#o.challenge
        ? { challenge: this.#o.challenge }
        : this.#sso
          ? { challenge: this.#sso.respond }
          : {}),
      ...(this.#o.filterCookie
        ? { filterCookie: this.#o.filterCookie }
        : this.#sso
          ? { filterCookie: this.#sso.filterCookie }
          : {}),
      ...(this.#sso ? { keepSetCookie: this.#sso.keepSetCookie } : {}),
    };
    try {
      for (const l of loaded.config.listeners) {
        const isDedicated = l.name === forwardAuthListener;
        const running = await startListener(
          l,
          loaded.config,
          // the dedicated forward-auth listener answers every path as a check
          isDedicated ? { ...ctx, reserved: answerAll(dedicated) } : ctx,
          this.#o.clientCertificates ?? (() => this.#mtlsOptions()),
          isDedicated && loaded.config.forwardAuth?.leanHttp !== false
            ? { handler: dedicated, begin: () => this.#begin() }
            : undefined,
        );
        running.server.prependListener('request', (_req, res) => this.#track(res));
        // an upload with `Expect: 100-continue` arrives as checkContinue, not request
        running.server.prependListener('checkContinue', (_req, res) => this.#track(res));
        this.#listeners.push(running);
      }
      await this.#forwardAuth.start(loaded.config);
      this.#admin = await startAdmin({
        address: loaded.config.admin.address,
        port: loaded.config.admin.port,
        metrics: this.#metrics,
        ready: () => this.ready,
        routes: adminRoutes,
      });
    } catch (err) {
      await this.#closeAll();
      throw err;
    }
    // credentials expire and sessions are revoked while a WebSocket stays open: decide again
    this.#recheckTimer = setInterval(() => void this.#tunnels.recheck(this.#engine, this.#now()), 30_000);
    this.#recheckTimer.unref();
    this.#watchTrustBundles();
    publish.configReload({
      ok: true,
      generation: 1,
      trigger: 'start',
      ...(this.#o.configFile ? { file: this.#o.configFile } : {}),
    });
    if (this.#o.configFile && this.#o.watch !== false) {
      this.#stopWatch = watchFiles([this.#o.configFile], () => void this.reload('file'));
    }
    this.#log.info(
      {
        event: 'started',
        listeners: this.#listeners.map((l) => ({ name: l.name, scheme: l.context.scheme, port: l.port() })),
        admin: this.#admin.port,
        ...(this.#forwardAuth.grpcPort !== undefined ? { extAuthz: this.#forwardAuth.grpcPort } : {}),
        routes: this.#engine.routes.length,
      },
      'gatehouse started',
    );
  }

  /** Client-certificate TLS options from the current engine's mTLS authenticator. */
  #mtlsOptions(): ReturnType<ClientCertificateOptions> {
    const auth = this.#engine?.authenticators.find((a) => a.name === 'mtls') as MtlsAuthenticator | undefined;
    return auth ? { ...mtlsTlsServerOptions(auth).options } : undefined;
  }

  #stopBundleWatch?: () => void;
  /** Re-apply client-certificate options after an engine swap and whenever trust bundles reload. */
  #watchTrustBundles(): void {
    this.#stopBundleWatch?.();
    const reloadAll = () => {
      for (const l of this.#listeners) if (l.context.clientCertificates !== 'none') l.reloadTls?.();
    };
    const auth = this.#engine.authenticators.find((a) => a.name === 'mtls') as MtlsAuthenticator | undefined;
    this.#stopBundleWatch = auth ? mtlsTlsServerOptions(auth).onChange(reloadAll) : undefined;
    reloadAll();
  }

  /** Engine parts, with the SSO session authenticator appended to the chain when SSO is on. */
  #parts(): EngineParts | undefined {
    const parts = this.#o.parts;
    const sso = this.#sso;
    if (!sso) return parts;
    return {
      ...parts,
      buildAuthenticators: (config, previous) => {
        const built = parts?.buildAuthenticators?.(config, previous) ?? { authenticators: [], problems: [] };
        return { ...built, authenticators: [...built.authenticators, sso.authenticator] };
      },
    };
  }

  /** Keys + engine for a loaded config, every problem located by line; nothing applied until commit(). */
  #compile(
    loaded: Extract<LoadOutcome, { ok: true }>,
    generation: number,
    previous?: Engine,
  ):
    | { ok: true; engine: Engine; warnings: ConfigProblem[]; commit(): void }
    | { ok: false; problems: ConfigProblem[] } {
    const locate = (ps: readonly ConfigProblem[]) => ps.map((p) => withLine(p, loaded.source));
    const keys = this.#propagation.prepare(loaded.config, this.#now());
    const keyErrors = keys.problems.filter((p) => p.severity === 'error');
    if (keyErrors.length > 0) return { ok: false, problems: locate(keyErrors) };
    const built = buildEngine(loaded.config, generation, this.#parts(), previous);
    if (!built.ok) return { ok: false, problems: locate(built.problems) };
    return {
      ok: true,
      engine: built.engine,
      warnings: locate([...loaded.warnings, ...keys.problems, ...built.warnings]),
      commit: keys.commit,
    };
  }

  /** Count a node:http request in flight until its response closes (emitted once per response). */
  #track(res: import('node:http').ServerResponse): void {
    if (this.#draining) res.setHeader('connection', 'close');
    this.#inFlight++;
    res.on('close', this.#responseClosed);
  }

  /** One listener shared by every response: no closure per request. */
  readonly #responseClosed = (): void => this.#ended();

  /** Count one request in flight; the returned function (idempotent) counts it out. */
  #begin(): () => void {
    this.#inFlight++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#ended();
    };
  }

  #ended(): void {
    this.#inFlight--;
    if (this.#inFlight === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }

  /**
   * Load the config again and swap it in if valid. An invalid config is rejected, logged and
   * counted; the old engine keeps serving. Reloads are serialised.
   */
  reload(
    trigger: 'file' | 'signal' | 'api' = 'signal',
  ): Promise<{ ok: boolean; problems: readonly ConfigProblem[] }> {
    const run = this.#reloading.then(() => this.#reloadNow(trigger));
    this.#reloading = run.catch(() => {});
    return run;
  }

  async #reloadNow(
    trigger: 'file' | 'signal' | 'api',
  ): Promise<{ ok: boolean; problems: readonly ConfigProblem[] }> {
    if (this.#draining) return { ok: false, problems: [] };
    // the watcher may report one change twice (event + poll): same content, nothing to do
    if (trigger === 'file' && !(await this.#fileChanged())) return { ok: true, problems: [] };
    const file = this.#o.configFile;
    const reject = (problems: readonly ConfigProblem[]) => {
      publish.configReload({
        ok: false,
        generation: this.#generation,
        trigger,
        problems: problems.map((p) => formatProblem(p, file)),
        ...(file ? { file } : {}),
      });
      return { ok: false, problems };
    };
    let loaded: LoadOutcome;
    try {
      loaded = await this.#load();
    } catch (err) {
      return reject([{ severity: 'error', pointer: '', message: describeError(err).message }]);
    }
    if (!loaded.ok) return reject(loaded.problems);
    const restartOnly = restartOnlyChanges(this.#engine.config, loaded.config);
    const built = this.#compile(loaded, this.#generation + 1, this.#engine);
    if (!built.ok) return reject(built.problems);
    built.commit();
    const old = this.#engine;
    this.#generation += 1;
    this.#engine = built.engine; // the swap: one assignment; in-flight requests keep `old`
    void this.#tunnels.recheck(this.#engine, this.#now());
    this.#watchTrustBundles();
    this.#pools.retainOnly(built.engine.routes, loaded.config.proxy.shutdownGraceMs);
    setTimeout(() => old.close(), 60_000).unref();
    for (const w of [...built.warnings, ...restartOnly])
      this.#log.warn({ event: 'config-warning' }, formatProblem(w, file));
    publish.configReload({ ok: true, generation: this.#generation, trigger, ...(file ? { file } : {}) });
    return { ok: true, problems: [...built.warnings, ...restartOnly] };
  }

  /**
   * Graceful shutdown: stop accepting, report not-ready, let in-flight requests finish within
   * `graceMs` (default proxy.shutdownGraceMs), then close what is left.
   */
  async shutdown(graceMs = this.#engine?.config.proxy.shutdownGraceMs ?? 25_000): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    this.#stopWatch?.();
    for (const l of this.#listeners) {
      l.close();
      l.closeIdleConnections();
    }
    if (this.#inFlight > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, graceMs);
        t.unref();
        this.#idleWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    await this.#closeAll();
  }

  async #closeAll(): Promise<void> {
    for (const l of this.#listeners) {
      l.close();
      l.closeAllConnections();
    }
    this.#admin?.close();
    if (this.#recheckTimer) clearInterval(this.#recheckTimer);
    this.#tunnels.closeAll();
    if (!this.#o.sso) this.#sso?.close();
    await this.#forwardAuth.stop();
    this.#stopBundleWatch?.();
    await this.#pools.close();
    this.#engine?.close();
    this.#audit?.close();
    this.#metrics.close();
    channels.configReload.unsubscribe(this.#onReloadEvent);
    channels.internalError.unsubscribe(this.#onInternal);
    channels.upstreamError.unsubscribe(this.#onUpstream);
    channels.tlsReload.unsubscribe(this.#onTls);
    channels.assertionTrimmed.unsubscribe(this.#onTrim);
  }
}

/** Changes a reload cannot apply (listeners, admin port, audit output): warn that they need a restart. */
function restartOnlyChanges(before: Config, after: Config): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  if (JSON.stringify(before.listeners) !== JSON.stringify(after.listeners)) {
    out.push({
      severity: 'warning',
      code: 'restart-required',
      pointer: '/listeners',
      message: 'listener changes take effect after a restart',
    });
  }
  if (JSON.stringify(before.admin) !== JSON.stringify(after.admin)) {
    out.push({
      severity: 'warning',
      code: 'restart-required',
      pointer: '/admin',
      message: 'admin listener changes take effect after a restart',
    });
  }
  if (JSON.stringify(before.identity.oidc) !== JSON.stringify(after.identity.oidc)) {
    out.push({
      severity: 'warning',
      code: 'restart-required',
      pointer: '/identity/oidc',
      message: 'sign-in (identity.oidc) changes take effect after a restart',
    });
  }
  const faFixed = (c: Config) =>
    JSON.stringify([
      c.forwardAuth?.grpc,
      c.forwardAuth?.listener,
      c.forwardAuth?.envoyPathPrefix,
      c.forwardAuth?.leanHttp,
    ]);
  if (faFixed(before) !== faFixed(after)) {
    out.push({
      severity: 'warning',
      code: 'restart-required',
      pointer: '/forwardAuth',
      message: 'forwardAuth grpc, listener, envoyPathPrefix and leanHttp changes take effect after a restart',
    });
  }
  if (JSON.stringify(before.audit) !== JSON.stringify(after.audit)) {
    out.push({
      severity: 'warning',
      code: 'restart-required',
      pointer: '/audit',
      message: 'audit output changes take effect after a restart',
    });
  }
  return out;
}

/** A reserved-path hook that answers every request (the dedicated forward-auth listener). */
function answerAll(handler: ReservedHandler): NonNullable<ProxyContext['reserved']> {
  return (info, req, res, engine) => {
    handler(info, req, res, engine);
    return true;
  };
}
