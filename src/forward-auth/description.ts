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

/** The facts a description states, in the order their conflicts are reported. */
const METHOD = 0;
const TARGET = 1;
const HOST = 2;
const SCHEME = 3;
const FACT_NAMES = ['method', 'target', 'host', 'scheme'] as const;

/** Which fact each single-valued describing header states (X-Original-URL states three). */
const STATED_BY: readonly (readonly [string, number])[] = [
  ['x-original-method', METHOD],
  ['x-forwarded-method', METHOD],
  ['x-original-uri', TARGET],
  ['x-forwarded-uri', TARGET],
  ['x-forwarded-host', HOST],
  ['x-forwarded-proto', SCHEME],
];

/**
 * Read every description present; a repeated header or two that disagree is a failure.
 * This runs on every check: one `Facts` per call, no closure or array per header.
 */
export function describe(h: HeaderView): { ok: true; described: Described } | Failure {
  const facts = new Facts();
  const urls = h.all('x-original-url');
  if (urls.length > 1) return conflict('x-original-url repeated');
  const url = urls[0];
  if (url !== undefined) {
    const m = ABSOLUTE_URL.exec(url);
    if (!m) return invalid('x-original-url is not an absolute http(s) URL');
    const rest = m[3]!;
    facts.add(SCHEME, 'x-original-url', m[1]!.toLowerCase());
    facts.add(HOST, 'x-original-url', m[2]!);
    facts.add(TARGET, 'x-original-url', rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest);
  }
  for (let i = 0; i < STATED_BY.length; i++) {
    const [name, fact] = STATED_BY[i]!;
    const values = h.all(name);
    if (values.length > 1) return conflict(`${name} repeated`);
    const value = values[0];
    if (value !== undefined) facts.add(fact, name, fact === SCHEME ? httpScheme(value) : value);
  }
  const failed =
    facts.failures[METHOD] ?? facts.failures[TARGET] ?? facts.failures[SCHEME] ?? hostsDisagree(facts);
  if (failed) return failed;
  const v = facts.values;
  const described: { method?: string; target?: string; authority?: string; scheme?: string } = {};
  if (v[METHOD] !== undefined) described.method = v[METHOD];
  if (v[TARGET] !== undefined) described.target = v[TARGET];
  if (v[HOST] !== undefined) described.authority = v[HOST];
  if (v[SCHEME] !== undefined) described.scheme = v[SCHEME];
  return { ok: true, described };
}

/**
 * What the headers state, fact by fact: the first value and who stated it, the first
 * conflict, and (for hosts, compared canonically later) every statement once there are two.
 */
class Facts {
  readonly values: (string | undefined)[] = [undefined, undefined, undefined, undefined];
  readonly sources: string[] = ['', '', '', ''];
  readonly failures: (Failure | undefined)[] = [undefined, undefined, undefined, undefined];
  /** Every host statement ([source, value]), kept only when there is more than one. */
  hosts: [string, string][] | undefined;

  add(fact: number, source: string, value: string): void {
    const first = this.values[fact];
    if (first === undefined) {
      this.values[fact] = value;
      this.sources[fact] = source;
      return;
    }
    if (fact === HOST) {
      // raw equality is not enough for hosts: hostsDisagree compares them canonically
      this.hosts ??= [[this.sources[HOST]!, first]];
      this.hosts.push([source, value]);
      return;
    }
    if (first !== value && this.failures[fact] === undefined) {
      this.failures[fact] = conflict(
        `${this.sources[fact]} and ${source} name different ${FACT_NAMES[fact]}s`,
      );
    }
  }
}

/**
 * Hosts agree when they name the same canonical host, and the same port when both give one
 * (nginx's `$host` drops the port that `$http_host` keeps).
 */
/**
 * A stated scheme, lower-case. Traefik states `ws` / `wss` for a WebSocket request: on the
 * wire that is HTTP / HTTPS, and the request is decided as such.
 */
function httpScheme(value: string): string {
  const lower = value.toLowerCase();
  return lower === 'ws' ? 'http' : lower === 'wss' ? 'https' : lower;
}

function hostsDisagree(facts: Facts): Failure | undefined {
  return facts.hosts === undefined ? undefined : compareHosts(facts.hosts);
}

/**
 * Several statements of one host (`[who said it, value]`): an invalid one is `request-invalid`;
 * they disagree (`forward-auth-headers-conflict`) when their canonical hosts differ, or their
 * ports when both give one.
 */
export function compareHosts(hosts: readonly (readonly [string, string])[]): Failure | undefined {
  const parsed = hosts.map(([source, value]) => [source, parseHostValue(value)] as const);
  for (const [source, p] of parsed) if (!p.ok) return invalid(`${source}: ${p.detail}`);
  const [firstSource, first] = parsed[0]! as readonly [string, { host: string; port?: number }];
  for (const [source, p] of parsed.slice(1) as (readonly [string, { host: string; port?: number }])[]) {
    if (p.host !== first.host || (p.port !== undefined && first.port !== undefined && p.port !== first.port))
      return conflict(`${firstSource} and ${source} name different hosts`);
  }
  return undefined;
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
