/**
 * What the headers of a forward-auth request say about the original request. Peers use
 * different headers for the same facts (nginx `X-Original-URI`, Traefik and Caddy
 * `X-Forwarded-Uri`, ingress-nginx `X-Original-URL`…), and some configs send several
 * (Authelia's nginx snippets set both families). Every description present is read, and
 * they must agree: a copy a client slipped through the ingress can only cause a deny,
 * never change what is decided.
 */
import { parseHostValue } from '../routing/index.ts';
import type { HeaderView } from './header-view.ts';

export type FailureReason =
  | 'forward-auth-headers-missing'
  | 'forward-auth-headers-conflict'
  | 'request-invalid';

export interface Failure {
  readonly ok: false;
  readonly reason: FailureReason;
  /** Names the rule and the header, never a header's value. */
  readonly detail: string;
}

/** The original request's facts, each from the headers that stated it (raw, not normalised). */
export interface Described {
  readonly method?: string;
  /** Origin-form request target (path and query), as sent by the client. */
  readonly target?: string;
  /** `host[:port]` as the client addressed it. */
  readonly authority?: string;
  readonly scheme?: string;
}

/** Headers that describe the original request. They are never the original request's own headers. */
export const DESCRIPTOR_HEADERS: readonly string[] = Object.freeze([
  'x-original-method',
  'x-original-uri',
  'x-original-url',
  'x-forwarded-method',
  'x-forwarded-uri',
  'x-forwarded-host',
  'x-forwarded-proto',
]);

/** Headers that only the nginx family (nginx, ingress-nginx) sends. */
export const NGINX_HEADERS: readonly string[] = Object.freeze([
  'x-original-method',
  'x-original-uri',
  'x-original-url',
]);
/** Headers that only the X-Forwarded family (Traefik, Caddy) sends besides -Host / -Proto. */
export const X_FORWARDED_HEADERS: readonly string[] = Object.freeze([
  'x-forwarded-method',
  'x-forwarded-uri',
]);

const ABSOLUTE_URL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/;

/** Read every description present; a repeated header or two that disagree is a failure. */
export function describe(h: HeaderView): { ok: true; described: Described } | Failure {
  const one = (name: string): string | undefined | Failure => {
    const values = h.all(name);
    if (values.length > 1) return conflict(`${name} repeated`);
    return values[0];
  };
  const method = new Fact('method');
  const target = new Fact('target');
  const authority = new Fact('host');
  const scheme = new Fact('scheme');

  const url = one('x-original-url');
  if (isFailure(url)) return url;
  if (url !== undefined) {
    const m = ABSOLUTE_URL.exec(url);
    if (!m) return invalid('x-original-url is not an absolute http(s) URL');
    const rest = m[3]!;
    scheme.add('x-original-url', m[1]!.toLowerCase());
    authority.add('x-original-url', m[2]!);
    target.add('x-original-url', rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest);
  }
  for (const [name, fact] of [
    ['x-original-method', method],
    ['x-forwarded-method', method],
    ['x-original-uri', target],
    ['x-forwarded-uri', target],
    ['x-forwarded-host', authority],
    ['x-forwarded-proto', scheme],
  ] as const) {
    const value = one(name);
    if (isFailure(value)) return value;
    if (value !== undefined) fact.add(name, name === 'x-forwarded-proto' ? value.toLowerCase() : value);
  }

  const failed = method.failure ?? target.failure ?? scheme.failure ?? hostsDisagree(authority);
  if (failed) return failed;
  return {
    ok: true,
    described: {
      ...(method.value !== undefined ? { method: method.value } : {}),
      ...(target.value !== undefined ? { target: target.value } : {}),
      ...(authority.value !== undefined ? { authority: authority.value } : {}),
      ...(scheme.value !== undefined ? { scheme: scheme.value } : {}),
    },
  };
}

/** One fact stated by one or more headers. Raw equality, except hosts (see hostsDisagree). */
class Fact {
  readonly what: string;
  value?: string;
  readonly sources: [string, string][] = [];
  failure?: Failure;
  constructor(what: string) {
    this.what = what;
  }
  add(source: string, value: string): void {
    this.sources.push([source, value]);
    if (this.value === undefined) this.value = value;
    else if (this.value !== value && this.what !== 'host' && !this.failure) {
      this.failure = conflict(`${this.sources[0]![0]} and ${source} name different ${this.what}s`);
    }
  }
}

/**
 * Hosts agree when they name the same canonical host, and the same port when both give one
 * (nginx's `$host` drops the port that `$http_host` keeps).
 */
function hostsDisagree(fact: Fact): Failure | undefined {
  if (fact.sources.length < 2) return undefined;
  const parsed = fact.sources.map(([source, value]) => [source, parseHostValue(value)] as const);
  for (const [source, p] of parsed) if (!p.ok) return invalid(`${source}: ${p.detail}`);
  const [firstSource, first] = parsed[0]! as readonly [string, { host: string; port?: number }];
  for (const [source, p] of parsed.slice(1) as (readonly [string, { host: string; port?: number }])[]) {
    if (p.host !== first.host || (p.port !== undefined && first.port !== undefined && p.port !== first.port))
      return conflict(`${firstSource} and ${source} name different hosts`);
  }
  return undefined;
}

function isFailure(v: unknown): v is Failure {
  return typeof v === 'object' && v !== null && (v as Failure).ok === false;
}

export function conflict(detail: string): Failure {
  return { ok: false, reason: 'forward-auth-headers-conflict', detail };
}

export function missing(detail: string): Failure {
  return { ok: false, reason: 'forward-auth-headers-missing', detail };
}

export function invalid(detail: string): Failure {
  return { ok: false, reason: 'request-invalid', detail };
}
