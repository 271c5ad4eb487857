import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { decisionLabel } from '../audit/index.ts';
import {
  type ConfigReloadEvent,
  channels,
  type InternalErrorEvent,
  type RequestFinishedEvent,
  type UpstreamErrorEvent,
} from '../observe/index.ts';
import { RequestHistogram } from './request-histogram.ts';

interface RequestCount {
  readonly labels: { route: string; decision: string; reason: string; via: string };
  /** Requests since the last scrape. */
  pending: number;
}

/**
 * Prometheus metrics (see docs/metrics.md), fed by diagnostics channels. Labels carry route
 * ids, decisions and reason codes — never a user id or any other unbounded value.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'route' | 'decision' | 'reason' | 'via'>;
  readonly #duration: RequestHistogram;
  readonly #reloads: Counter<'result' | 'trigger'>;
  readonly #generation: Gauge;
  readonly #upstreamErrors: Counter<'route' | 'code'>;
  readonly #internalErrors: Counter<'where'>;
  readonly #unsubscribe: (() => void)[] = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'gatehouse_process_' });
    // counted in plain numbers per label set on the request path, handed to prom-client at
    // scrape time: prom-client hashes the label values on every inc(), even on a bound child
    const requestCounts = new Map<string, RequestCount>();
    this.#requests = new Counter({
      name: 'gatehouse_requests_total',
      help: 'Requests decided, by route, decision (allow, deny, challenge, would-deny) and reason code',
      labelNames: ['route', 'decision', 'reason', 'via'],
      registers: [this.registry],
      collect() {
        for (const c of requestCounts.values()) {
          if (c.pending === 0) continue;
          this.inc(c.labels, c.pending);
          c.pending = 0;
        }
      },
    });
    this.#duration = new RequestHistogram({
      name: 'gatehouse_request_duration_seconds',
      help: 'Time from request start to the end of the response (or the decision, in forward-auth)',
      label: 'via',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registry: this.registry,
    });
    this.#reloads = new Counter({
      name: 'gatehouse_config_reloads_total',
      help: 'Config loads by result (ok, rejected) and trigger (start, file, signal)',
      labelNames: ['result', 'trigger'],
      registers: [this.registry],
    });
    this.#generation = new Gauge({
      name: 'gatehouse_config_generation',
      help: 'Generation number of the config snapshot serving requests',
      registers: [this.registry],
    });
    this.#upstreamErrors = new Counter({
      name: 'gatehouse_upstream_errors_total',
      help: 'Upstream failures by route and error code',
      labelNames: ['route', 'code'],
      registers: [this.registry],
    });
    this.#internalErrors = new Counter({
      name: 'gatehouse_internal_errors_total',
      help: 'Unexpected exceptions turned into a deny (fail closed), by place',
      labelNames: ['where'],
      registers: [this.registry],
    });
    this.#on(channels.requestFinished, (m) => {
      const e = m as RequestFinishedEvent;
      const route = e.decision.routeId ?? '';
      const decision = decisionLabel(e.decision);
      const reason = e.decision.reasons[0] ?? '';
      const key = `${route}\u0000${decision}\u0000${reason}\u0000${e.via}`;
      const count = requestCounts.get(key);
      if (count) count.pending++;
      else if (requestCounts.size < 50_000)
        requestCounts.set(key, { labels: { route, decision, reason, via: e.via }, pending: 1 });
      else this.#requests.inc({ route, decision, reason, via: e.via });
      this.#duration.observe(e.via, e.durationMs / 1000);
    });
    this.#on(channels.configReload, (m) => {
      const e = m as ConfigReloadEvent;
      this.#reloads.inc({ result: e.ok ? 'ok' : 'rejected', trigger: e.trigger });
      if (e.ok) this.#generation.set(e.generation);
    });
    this.#on(channels.upstreamError, (m) => {
      const e = m as UpstreamErrorEvent;
      this.#upstreamErrors.inc({ route: e.routeId, code: e.errorCode });
    });
    this.#on(channels.internalError, (m) => {
      this.#internalErrors.inc({ where: (m as InternalErrorEvent).where });
    });
  }

  #on(
    channel: { subscribe(fn: (m: unknown) => void): void; unsubscribe(fn: (m: unknown) => void): unknown },
    fn: (m: unknown) => void,
  ) {
    const safe = (msg: unknown) => {
      try {
        fn(msg);
      } catch {
        // metrics must never break a request
      }
    };
    channel.subscribe(safe);
    this.#unsubscribe.push(() => channel.unsubscribe(safe));
  }

  /** Count audit lines dropped because the audit output could not keep up (read at scrape time). */
  trackAuditDrops(read: () => number): void {
    new Counter({
      name: 'gatehouse_audit_dropped_total',
      help: 'Decision records dropped because the audit output could not keep up (the backlog cap was reached)',
      registers: [this.registry],
      collect() {
        const self = this as unknown as { reset(): void; inc(n: number): void };
        self.reset();
        const n = read();
        if (n > 0) self.inc(n);
      },
    });
  }

  close(): void {
    for (const u of this.#unsubscribe) u();
    this.registry.clear();
  }
}
