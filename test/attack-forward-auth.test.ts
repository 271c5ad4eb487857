/**
 * Attack traffic against the forward-auth endpoints (`/.gatehouse/auth*` on a proxy listener,
 * the dedicated listener and its lean HTTP/1.1 engine, the Envoy HTTP prefix) and the ext_authz
 * gRPC service, sent as an outside evaluator sends it: raw bytes on real sockets, raw HTTP/2
 * frames, and Envoy-shaped CheckRequests. Each case asserts what a peer sees: the decision is
 * made on the request the upstream would receive, a deny carries a stable reason, nothing
 * crashes, hangs or buffers without bound, and no secret comes back or reaches a log.
 *
 * It adds to test/attack-corpus.test.ts (which already covers many descriptor spellings):
 * descriptor bytes and lists, dialect confusion, Envoy prefix tricks, the lean engine's
 * hand-over shapes, split and pipelined bytes, keep-alive framing, slow and flooding peers,
 * and gRPC framing, compression, limits and concurrency. It found five bugs, fixed with it:
 * answers piling up for a client that never reads (lean engine), checks carrying `Upgrade`
 * not answered as checks, Envoy's Host compared as raw text, a check-only route answered 500
 * by the proxy, and Traefik's `ws` / `wss` scheme refused.
 *
 * Longer than most files: it is a corpus, one block per class of input.
 */
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { stringify } from 'yaml';
import { authorizationService } from '../src/forward-auth/index.ts';
import type { RequestFinishedEvent } from '../src/observe/index.ts';
import { Gateway } from '../src/server/index.ts';
import { engineParts } from '../src/server/parts.ts';
import {
  APP_HOST,
  forwardAuthConfig,
  jwtPayload,
  type TestIssuer,
  testIssuer,
} from './helpers/forward-auth.ts';
import { capturingLogger } from './helpers/servers.ts';

/** Carried by credentials in the cases: it must never come back or be logged. */
const SECRET = 'SECRET-4b1d9e77';
const STACK = /\bat [\w.<>]+ \(.*:\d+:\d+\)|\.ts:\d+:\d+/;
const PREFIX = '/.gatehouse/ext-authz';
const MAX_MESSAGE = 16 * 1024;
const CHECK_PATH = '/envoy.service.auth.v3.Authorization/Check';

// ---------------------------------------------------------------------------------------------
// HTTP/1.1 on raw sockets

interface Answer {
  readonly status: number;
  readonly headers: Map<string, string[]>;
  readonly body: string;
  /** The head and body as received. */
  readonly raw: string;
}

const h = (a: Answer, name: string) => a.headers.get(name)?.[0];

/** The stable reason of a deny: X-Gatehouse-Reason, else the `error` code of a JSON body. */
function reasonOf(a: Answer): string | undefined {
  const header = h(a, 'x-gatehouse-reason');
  if (header) return header;
  try {
    const code = (JSON.parse(a.body) as { error?: unknown }).error;
    return typeof code === 'string' && /^[a-z0-9-]+$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A client connection reading answers one at a time, framed by content-length (or by the
 * close of the connection when an answer has neither length nor chunking, as node:http's
 * own 400 / 408 have). 1xx answers are skipped.
 */
class Conn {
  readonly socket: net.Socket;
  #buf = '';
  #closed = false;
  #wake: (() => void) | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.#buf += d.toString('latin1');
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
    socket.on('error', () => {});
  }

  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(bytes: string | Buffer): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** The next final answer (`head`: it answers a HEAD, no body), or undefined when the connection closed first. */
  async next(o: { head?: boolean; timeoutMs?: number } = {}): Promise<Answer | undefined> {
    const deadline = Date.now() + (o.timeoutMs ?? 3_000);
    for (;;) {
      const a = this.#take(o.head === true);
      if (a !== null) return a;
      if (this.#closed) {
        this.#buf = '';
        return undefined;
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no complete answer within the bound; got ${JSON.stringify(this.#buf.slice(0, 300))}`,
        );
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#wake = () => {
          clearTimeout(t);
          this.#wake = undefined;
          r();
        };
      });
    }
  }

  /** Wait until the server closes the connection (bounded); true when it did. */
  async waitClose(timeoutMs = 3_000): Promise<boolean> {
    if (this.#closed) return true;
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  /** Whatever arrived and was not taken as an answer. */
  rest(): string {
    return this.#buf;
  }

  close(): void {
    this.socket.destroy();
  }

  #take(head: boolean): Answer | undefined | null {
    for (;;) {
      const end = this.#buf.indexOf('\r\n\r\n');
      if (end === -1) return null;
      const headText = this.#buf.slice(0, end);
      const [statusLine = '', ...lines] = headText.split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
      const headers = new Map<string, string[]>();
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
      }
      const after = end + 4;
      if (status >= 100 && status < 200) {
        this.#buf = this.#buf.slice(after);
        continue;
      }
      const length = headers.get('content-length')?.[0];
      let bodyEnd: number;
      if (head || status === 204 || status === 304) bodyEnd = after;
      else if (length !== undefined) bodyEnd = after + Number(length);
      else if (headers.get('transfer-encoding')?.some((v) => /chunked/i.test(v))) {
        const z = this.#buf.indexOf('\r\n0\r\n\r\n', after - 2);
        if (z === -1) return null;
        bodyEnd = z + 7;
      } else {
        if (!this.#closed) return null;
        bodyEnd = this.#buf.length;
      }
      if (this.#buf.length < bodyEnd) return null;
      const raw = this.#buf.slice(0, bodyEnd);
      this.#buf = this.#buf.slice(bodyEnd);
      return { status, headers, body: raw.slice(after), raw };
    }
  }
}

/** One request on a new connection; its answer (undefined when closed without one). */
async function ask(
  port: number,
  bytes: string | Buffer,
  o: { head?: boolean } = {},
): Promise<Answer | undefined> {
  const c = await Conn.open(port);
  try {
    c.write(bytes);
    return await c.next(o);
  } finally {
    c.close();
  }
}

/** A request head with its lines; keep-alive unless a line says otherwise. */
function req(line: string, lines: readonly string[]): string {
  return `${line}\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;
}

/** A check as nginx auth_request sends it (the documented proxy_set_header lines), plus `extra`. */
function nginx(
  uri: string,
  extra: readonly string[] = [],
  o: { method?: string; target?: string } = {},
): string {
  return req(`GET ${o.target ?? '/.gatehouse/auth/nginx'} HTTP/1.1`, [
    'Host: gatehouse',
    `X-Original-URI: ${uri}`,
    `X-Original-Method: ${o.method ?? 'GET'}`,
    `X-Forwarded-Host: ${APP_HOST}`,
    'X-Forwarded-Proto: https',
    'X-Forwarded-For: 203.0.113.9',
    'Accept: application/json',
    ...extra,
  ]);
}

/** A check as Traefik ForwardAuth sends it, plus `extra`; `lines` replace the describing ones. */
function traefik(
  uri: string,
  extra: readonly string[] = [],
  o: { method?: string; target?: string; checkMethod?: string; lines?: string[] } = {},
): string {
  return req(`${o.checkMethod ?? 'GET'} ${o.target ?? '/.gatehouse/auth/traefik'} HTTP/1.1`, [
    'Host: gatehouse',
    ...(o.lines ?? [
      `X-Forwarded-Method: ${o.method ?? 'GET'}`,
      'X-Forwarded-Proto: https',
      `X-Forwarded-Host: ${APP_HOST}`,
      `X-Forwarded-Uri: ${uri}`,
    ]),
    'Accept: application/json',
    ...extra,
  ]);
}

/** A check as Envoy's HTTP ext_authz filter sends it: the original method, prefix + path, Host. */
function envoy(
  path: string,
  extra: readonly string[] = [],
  o: { method?: string; host?: string } = {},
): string {
  return req(`${o.method ?? 'GET'} ${PREFIX}${path} HTTP/1.1`, [
    `Host: ${o.host ?? APP_HOST}`,
    'Accept: application/json',
    ...extra,
  ]);
}

// ---------------------------------------------------------------------------------------------
// gRPC

interface HeaderOption {
  header: { key: string; value: string };
  append_action?: number;
}
interface CheckResponse {
  status: { code: number; message?: string };
  ok_response?: { headers?: HeaderOption[]; headers_to_remove?: string[] };
  denied_response?: { status: { code: number }; headers?: HeaderOption[]; body?: string };
}

type Http = {
  id?: string;
  method?: string;
  path?: string;
  host?: string;
  scheme?: string;
  headers?: Record<string, string>;
  header_map?: { headers: { key: string; value?: string; raw_value?: Buffer }[] };
};

/** A CheckRequest as Envoy builds it; `http` fields replace the defaults (undefined removes one). */
function envoyCheck(path: string, http: Http = {}): Record<string, unknown> {
  const base: Http = {
    id: 'c0ffee00-0000-4000-8000-000000000001',
    method: 'GET',
    path,
    host: APP_HOST,
    scheme: 'https',
    headers: {
      ':authority': APP_HOST,
      ':method': 'GET',
      ':path': path,
      ':scheme': 'https',
      accept: 'application/json',
    },
  };
  const merged: Record<string, unknown> = { ...base, ...http };
  for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
  return {
    attributes: {
      source: { address: { socket_address: { address: '198.51.100.7', port_value: 52100 } } },
      request: { http: merged },
    },
  };
}

function grpcHeader(list: HeaderOption[] | undefined, name: string): string | undefined {
  return list?.find((o) => o.header.key === name)?.header.value;
}

/** One gRPC call: the response, or the call's error (never throws). */
function call(
  client: Client,
  request: unknown,
  o: { deadlineMs?: number } = {},
): Promise<{ res?: CheckResponse; err?: ServiceError }> {
  return new Promise((resolve) => {
    const options = o.deadlineMs === undefined ? {} : { deadline: Date.now() + o.deadlineMs };
    (
      client as unknown as {
        Check: (
          r: unknown,
          m: Metadata,
          opts: object,
          cb: (e: ServiceError | null, v: CheckResponse) => void,
        ) => unknown;
      }
    ).Check(request, new Metadata(), options, (err, res) => resolve(err ? { err } : { res }));
  });
}

/** A gRPC length-prefixed message: flag byte, 4-byte big-endian length, payload. */
function frame(payload: Buffer, flag = 0, length = payload.length): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flag;
  head.writeUInt32BE(length, 1);
  return Buffer.concat([head, payload]);
}

/** `n` as a protobuf varint. */
function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

/** A serialized CheckRequest with an unknown length-delimited field 99 appended, `total` bytes long. */
function paddedTo(base: Buffer, total: number): Buffer {
  const tag = varint((99 << 3) | 2);
  for (let pad = total - base.length - tag.length - 1; pad >= 0; pad--) {
    const len = varint(pad);
    if (base.length + tag.length + len.length + pad === total)
      return Buffer.concat([base, tag, len, Buffer.alloc(pad, 0x61)]);
  }
  throw new Error('cannot pad');
}

interface RawGrpc {
  readonly grpcStatus: string | undefined;
  readonly httpStatus: number | undefined;
  readonly data: Buffer;
}

/** A raw HTTP/2 gRPC call with the given body bytes and extra request headers (bounded by `timeoutMs`). */
function rawGrpc(
  port: number,
  body: Buffer,
  headers: Record<string, string> = {},
  timeoutMs = 5_000,
): Promise<RawGrpc> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    let grpcStatus: string | undefined;
    let httpStatus: number | undefined;
    const data: Buffer[] = [];
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error('gRPC call not answered within the bound'));
    }, timeoutMs);
    const stream = session.request({
      ':method': 'POST',
      ':path': CHECK_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...headers,
    });
    stream.on('error', () => {});
    stream.on('response', (hs) => {
      httpStatus = Number(hs[':status']);
      if (hs['grpc-status'] !== undefined) grpcStatus = String(hs['grpc-status']);
    });
    stream.on('trailers', (ts) => {
      if (ts['grpc-status'] !== undefined) grpcStatus = String(ts['grpc-status']);
    });
    stream.on('data', (d: Buffer) => data.push(d));
    stream.on('close', () => {
      clearTimeout(timer);
      session.close();
      resolve({ grpcStatus, httpStatus, data: Buffer.concat(data) });
    });
    stream.end(body);
  });
}

// ---------------------------------------------------------------------------------------------

describe('attack: forward-auth and ext_authz', { timeout: 60_000 }, () => {
  let issuer: TestIssuer;
  let alice: string;
  let gh: Gateway;
  let ghClosed = false;
  let web: number;
  let auth: number;
  let grpcPort: number;
  let client: Client;
  let serialize: (value: unknown) => Buffer;
  let auditDir: string;
  const finished: RequestFinishedEvent[] = [];
  const internal: unknown[] = [];
  const logLines: string[] = [];
  /** Every HTTP answer and gRPC response of the file, for the secret and reason checks. */
  const answers: string[] = [];
  const denies: { where: string; reason: string | undefined }[] = [];
  const onFinished = (m: unknown) => finished.push(m as RequestFinishedEvent);
  const onInternal = (m: unknown) => internal.push(m);

  /** Record an HTTP answer for the file-wide checks. */
  function seen(a: Answer | undefined, where: string): Answer {
    assert.ok(a, `${where}: an answer, not a closed connection`);
    answers.push(a.raw);
    assert.doesNotMatch(a.raw, STACK, `${where}: no stack in an answer`);
    assert.ok(a.status < 500, `${where}: Gatehouse answered ${a.status}\n${a.raw.slice(0, 300)}`);
    if (a.status >= 400 && a.status !== 408 && a.status !== 400 && a.status !== 431)
      denies.push({ where, reason: reasonOf(a) });
    if (a.status === 200) {
      const assertion = h(a, 'x-gatehouse-assertion');
      assert.ok(assertion, `${where}: a 200 carries the assertion`);
      assert.equal(jwtPayload(assertion).aud, 'app');
    } else {
      assert.equal(h(a, 'x-gatehouse-assertion'), undefined, `${where}: no assertion on a deny`);
    }
    return a;
  }

  /** The forward-auth decision records published since `from`. */
  const decisions = (from: number) => finished.slice(from).filter((e) => e.via === 'forward-auth');

  before(async () => {
    diagnosticsChannel.subscribe('gatehouse:request:finished', onFinished);
    diagnosticsChannel.subscribe('gatehouse:internal:error', onInternal);
    issuer = await testIssuer();
    alice = await issuer.token('alice');
    auditDir = mkdtempSync(join(tmpdir(), 'gatehouse-attack-fa-'));
    const fa = forwardAuthConfig(issuer, {
      listener: 'auth',
      grpc: { port: 0, maxMessageBytes: MAX_MESSAGE },
    });
    const config = {
      ...fa,
      listeners: [
        { name: 'web', port: 0 },
        { name: 'auth', port: 0 },
      ],
      admin: { port: 0 },
      audit: { output: { file: join(auditDir, 'audit.jsonl') } },
      proxy: { clientHeadersTimeoutMs: 300 },
    };
    const logger = capturingLogger(logLines);
    gh = await Gateway.start({ configText: stringify(config), logger, parts: engineParts(), watch: false });
    web = gh.listenerPort('web');
    auth = gh.listenerPort('auth');
    grpcPort = gh.extAuthzPort!;
    const { Client: GrpcClient, service } = authorizationService();
    client = new GrpcClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure());
    serialize = (v) => service.Check!.requestSerialize(v);
  });

  after(async () => {
    diagnosticsChannel.unsubscribe('gatehouse:request:finished', onFinished);
    diagnosticsChannel.unsubscribe('gatehouse:internal:error', onInternal);
    client?.close();
    if (!ghClosed) await gh?.shutdown(1_000);
    issuer?.close();
    if (auditDir) rmSync(auditDir, { recursive: true, force: true });
  });

  describe('descriptor headers (proxy listener and dedicated listener)', () => {
    const long = `/public/${'a'.repeat(12_000)}`;
    // [name, request bytes, status, reason (undefined: allowed), decided path, decided facts]
    const cases: [string, string | Buffer, number, string | undefined, string?, Record<string, unknown>?][] =
      [
        [
          'X-Original-URI with an obs-text byte (0xE9)',
          Buffer.concat([
            Buffer.from(nginx('/public/caf\u00e9').split('\u00e9')[0]!, 'latin1'),
            Buffer.from([0xe9]),
            Buffer.from(nginx('/public/caf\u00e9').split('\u00e9')[1]!, 'latin1'),
          ]),
          403,
          'request-invalid',
        ],
        ['X-Original-URI with a tab inside', nginx('/public\t/../dash'), 403, 'request-invalid'],
        ['X-Original-URI "?" only', nginx('?'), 403, 'request-invalid'],
        ['X-Original-URI "/public?" (empty query)', nginx('/public?'), 200, undefined, '/public'],
        ['X-Original-URI with a "#" in the query', nginx('/public?a=1#/../dash'), 403, 'request-invalid'],
        ['X-Original-URI of 12 KB under /public', nginx(long), 200, undefined, long],
        [
          'X-Original-Method PURGE (an extension the proxy serves): decided as PURGE',
          nginx('/public', [], { method: 'PURGE' }),
          200,
          undefined,
          '/public',
          { method: 'PURGE' },
        ],
        [
          'X-Original-Method FOO (unknown extension)',
          nginx('/public', [], { method: 'FOO' }),
          403,
          'request-invalid',
        ],
        [
          'X-Forwarded-Method lower-case "post" on Traefik',
          traefik('/public', [], { method: 'post' }),
          403,
          'request-invalid',
        ],
        [
          'X-Forwarded-Host with a port: decided on the host, port kept',
          nginx('/public').replace(`X-Forwarded-Host: ${APP_HOST}`, `X-Forwarded-Host: ${APP_HOST}:8443`),
          200,
          undefined,
          '/public',
          { host: APP_HOST, port: 8443 },
        ],
        [
          'X-Forwarded-Host upper case with a trailing dot',
          nginx('/public').replace(`X-Forwarded-Host: ${APP_HOST}`, 'X-Forwarded-Host: APP.Test.'),
          200,
          undefined,
          '/public',
          { host: APP_HOST },
        ],
        [
          'X-Forwarded-Host repeated (same value)',
          nginx('/public', [`X-Forwarded-Host: ${APP_HOST}`]),
          403,
          'forward-auth-headers-conflict',
        ],
        [
          'X-Forwarded-Host repeated (another host)',
          nginx('/dash', ['X-Forwarded-Host: evil.test']),
          403,
          'forward-auth-headers-conflict',
        ],
        [
          'X-Forwarded-Proto "HTTPS": https',
          nginx('/public').replace('X-Forwarded-Proto: https', 'X-Forwarded-Proto: HTTPS'),
          200,
          undefined,
          '/public',
          { scheme: 'https', port: 443 },
        ],
        // Traefik states ws / wss for a WebSocket request: HTTP / HTTPS on the wire
        [
          'X-Forwarded-Proto "ws" (Traefik, a WebSocket request): http',
          traefik('/public', [], {
            lines: [
              'X-Forwarded-Method: GET',
              'X-Forwarded-Proto: ws',
              `X-Forwarded-Host: ${APP_HOST}`,
              'X-Forwarded-Uri: /public',
            ],
          }),
          200,
          undefined,
          '/public',
          { scheme: 'http', port: 80 },
        ],
        [
          'X-Forwarded-Proto "WSS" (Traefik, a WebSocket request): https',
          traefik('/public', [], {
            lines: [
              'X-Forwarded-Method: GET',
              'X-Forwarded-Proto: WSS',
              `X-Forwarded-Host: ${APP_HOST}`,
              'X-Forwarded-Uri: /public',
            ],
          }),
          200,
          undefined,
          '/public',
          { scheme: 'https', port: 443 },
        ],
        [
          'X-Forwarded-Proto "wss2" is no scheme',
          traefik('/public', [], {
            lines: [
              'X-Forwarded-Method: GET',
              'X-Forwarded-Proto: wss2',
              `X-Forwarded-Host: ${APP_HOST}`,
              'X-Forwarded-Uri: /public',
            ],
          }),
          403,
          'request-invalid',
        ],
        [
          'X-Forwarded-Proto as a list',
          nginx('/public').replace('X-Forwarded-Proto: https', 'X-Forwarded-Proto: https, http'),
          403,
          'request-invalid',
        ],
        [
          'X-Forwarded-Proto repeated with another scheme',
          nginx('/public', ['X-Forwarded-Proto: http']),
          403,
          'forward-auth-headers-conflict',
        ],
        [
          'both dialects at /.gatehouse/auth, paths disagree (client X-Forwarded-Uri through nginx)',
          nginx('/dash', ['X-Forwarded-Uri: /public', 'X-Forwarded-Method: GET'], {
            target: '/.gatehouse/auth',
          }),
          403,
          'forward-auth-headers-conflict',
        ],
        [
          'both dialects at /.gatehouse/auth, methods disagree',
          nginx('/public', ['X-Forwarded-Uri: /public', 'X-Forwarded-Method: POST'], {
            target: '/.gatehouse/auth',
          }),
          403,
          'forward-auth-headers-conflict',
        ],
        [
          'both dialects at /.gatehouse/auth, agreeing: one decision',
          nginx('/public', ['X-Forwarded-Uri: /public', 'X-Forwarded-Method: GET'], {
            target: '/.gatehouse/auth',
          }),
          200,
          undefined,
          '/public',
        ],
        [
          'nginx family at the Traefik endpoint: a client X-Original-URI must agree',
          traefik('/dash', ['X-Original-URI: /public']),
          403,
          'forward-auth-headers-conflict',
        ],
        [
          'X-Original-URL and X-Forwarded-Host with different ports',
          nginx('/public', [`X-Original-URL: https://${APP_HOST}:8443/public`]).replace(
            `X-Forwarded-Host: ${APP_HOST}`,
            `X-Forwarded-Host: ${APP_HOST}:9443`,
          ),
          403,
          'forward-auth-headers-conflict',
        ],
        [
          'X-Original-URL with another scheme than X-Forwarded-Proto',
          nginx('/public', [`X-Original-URL: http://${APP_HOST}/public`]),
          403,
          'forward-auth-headers-conflict',
        ],
        [
          'X-Original-URL "HTTPS://APP.TEST/public" agrees with the others',
          nginx('/public', ['X-Original-URL: HTTPS://APP.TEST/public']),
          200,
          undefined,
          '/public',
        ],
        [
          'X-Original-URL with only "?" after the authority',
          nginx('/?', [`X-Original-URL: https://${APP_HOST}?`]),
          401,
          'no-rule-matched',
          '/',
        ],
        [
          'a bad bearer token carrying a secret: 401 invalid_token, secret not echoed',
          nginx('/dash', [`Authorization: Bearer ${SECRET}.${SECRET}.${SECRET}`, `Cookie: s=${SECRET}`]),
          401,
          'token-invalid',
          '/dash',
        ],
      ];
    for (const [name, bytes, status, reason, path, facts] of cases) {
      it(`${name}: ${status} ${reason ?? 'allowed'}`, async () => {
        for (const [port, where] of [
          [web, 'proxy listener'],
          [auth, 'dedicated listener'],
        ] as const) {
          const from = finished.length;
          const a = seen(await ask(port, bytes), `${name} (${where})`);
          assert.equal(a.status, status, `${where}\n${a.raw.slice(0, 400)}`);
          if (reason === 'token-invalid') assert.ok(h(a, 'x-gatehouse-reason'), where);
          else assert.equal(h(a, 'x-gatehouse-reason'), reason, where);
          assert.ok(!a.raw.includes(SECRET), `${where}: no secret in the answer`);
          const d = decisions(from);
          assert.equal(d.length, 1, `${where}: one decision record`);
          if (path) assert.equal(d[0]!.request.path, path, where);
          for (const [k, v] of Object.entries(facts ?? {}))
            assert.equal((d[0]!.request as unknown as Record<string, unknown>)[k], v, `${where}: ${k}`);
          if (status === 200) {
            const claims = jwtPayload(h(a, 'x-gatehouse-assertion')!);
            assert.ok(claims.exp !== undefined, 'the assertion is a signed JWT with an expiry');
          }
        }
      });
    }

    it('a browser on the nginx dialect with X-Forwarded-Host carrying a port: 401 with a usable sign-in Location', async () => {
      for (const port of [web, auth]) {
        const a = seen(
          await ask(
            port,
            nginx('/dash?tab=1', ['Sec-Fetch-Mode: navigate'])
              .replace('Accept: application/json', 'Accept: text/html')
              .replace(`X-Forwarded-Host: ${APP_HOST}`, `X-Forwarded-Host: ${APP_HOST}:8443`),
          ),
          'browser sign-in',
        );
        assert.equal(a.status, 401);
        const location = new URL(h(a, 'location') ?? 'missing:');
        assert.equal(location.origin, `https://${APP_HOST}:8443`);
        assert.equal(location.pathname, '/.gatehouse/login');
        assert.equal(location.searchParams.get('rd'), `https://${APP_HOST}:8443/dash?tab=1`);
      }
    });
  });

  describe('Envoy HTTP path_prefix tricks', () => {
    // [name, request, status, decided path (undefined: refused before a decision), dedicated listener only]
    const cases: [string, string, number, string | undefined, boolean?][] = [
      ['prefix then %2f..', envoy('%2f../dash'), 400, undefined],
      ['prefix, encoded dot segments after it', envoy('/public/%2e%2e/dash'), 401, '/dash'],
      // on a proxy listener this path is not under the prefix once normalised: see the next block
      ['prefix, dot segments climbing above it', envoy('/../../public/x'), 200, '/public/x', true],
      // a proxy listener answers its reserved /.gatehouse/ext-authz itself (404): Envoy always sends prefix + "/…"
      ['prefix then "?" only', envoy('?x=1'), 401, '/', true],
      [
        'prefix and a client X-Forwarded-Uri that disagrees',
        envoy('/dash', ['X-Forwarded-Uri: /public']),
        403,
        undefined,
      ],
      [
        'prefix and a client X-Original-Method that disagrees',
        envoy('/public', ['X-Original-Method: GET'], { method: 'DELETE' }),
        403,
        undefined,
      ],
    ];
    for (const [name, bytes, status, path, dedicatedOnly] of cases) {
      it(`${name}: ${status}${path ? ` decided on ${path}` : ''}`, async () => {
        for (const [port, where] of [
          [web, 'proxy listener'],
          [auth, 'dedicated listener'],
        ] as const) {
          if (dedicatedOnly && port === web) continue;
          const from = finished.length;
          const a = seen(await ask(port, bytes), `${name} (${where})`);
          assert.equal(a.status, status, `${where}\n${a.raw.slice(0, 300)}`);
          const d = decisions(from);
          if (path) {
            assert.equal(d.length, 1, where);
            assert.equal(d[0]!.request.path, path, where);
          } else {
            assert.ok(
              d.every((e) => e.decision.outcome !== 'allow'),
              where,
            );
          }
        }
      });
    }

    it('"/.gatehouse/ext-authzX/public" is not the Envoy prefix: never allowed, a reason on every answer', async () => {
      for (const port of [web, auth]) {
        const a = seen(await ask(port, envoy('X/public')), 'prefixX');
        assert.notEqual(a.status, 200);
        assert.ok(reasonOf(a));
      }
    });

    it('on a proxy listener, "<prefix>/../../public/x" (a check-only route, no upstream) is a 4xx deny with a reason, not a 500', async () => {
      const from = finished.length;
      const a = await ask(web, envoy('/../../public/x'));
      assert.ok(a);
      answers.push(a.raw);
      // the proxy has nothing to forward to: 404 route-not-found, recorded under the route
      assert.equal(a.status, 404, a.body);
      assert.equal(reasonOf(a), 'route-not-found');
      const recorded = finished.slice(from);
      assert.equal(recorded.length, 1);
      assert.equal(recorded[0]!.decision.reasons[0], 'route-not-found');
      assert.match(recorded[0]!.decision.detail ?? '', /no upstream/);
    });

    it('Envoy: Host "app.test:8443" and X-Forwarded-Host "app.test" agree (hosts compare canonically)', async () => {
      for (const port of [web, auth]) {
        const a = seen(
          await ask(port, envoy('/public', [`X-Forwarded-Host: ${APP_HOST}`], { host: `${APP_HOST}:8443` })),
          'envoy host port',
        );
        assert.equal(a.status, 200, `${h(a, 'x-gatehouse-reason')}`);
      }
    });
  });

  describe('the dedicated listener: shapes the lean engine hands to node:http', () => {
    const base = (path: string, extra: string[] = []) => traefik(path, extra, { target: '/' });
    const shapes: [string, (path: string) => string][] = [
      ['Content-Length: 5 with a body', (p) => `${base(p, ['Content-Length: 5'])}hello`],
      [
        'Transfer-Encoding: chunked',
        (p) => `${base(p, ['Transfer-Encoding: chunked'])}5\r\nhello\r\n0\r\n\r\n`,
      ],
      [
        'Expect: 100-continue with its body',
        (p) => `${base(p, ['Expect: 100-continue', 'Content-Length: 5'])}hello`,
      ],
      ['HTTP/1.0', (p) => base(p).replace(' HTTP/1.1\r\n', ' HTTP/1.0\r\n')],
      ['obs-text in an unrelated header', (p) => base(p, ['X-Note: caf\u00e9'])],
      ['Connection: keep-alive, close', (p) => base(p, ['Connection: keep-alive, close'])],
    ];
    for (const [name, make] of shapes) {
      it(`${name}: the same decision as the plain check, then the connection still frames correctly`, async () => {
        for (const [path, status] of [
          ['/public', 200],
          ['/dash', 401],
        ] as const) {
          const from = finished.length;
          const c = await Conn.open(auth);
          try {
            c.write(make(path));
            const a = seen(await c.next(), `${name} ${path}`);
            assert.equal(a.status, status, a.raw.slice(0, 300));
            assert.equal(decisions(from).length, 1);
            assert.equal(decisions(from)[0]!.request.path, path);
            // node:http closes after answering an Expect: 100-continue request without sending 100
            if (h(a, 'connection')?.toLowerCase() === 'close' || /HTTP\/1\.0|close/.test(name)) {
              assert.ok(await c.waitClose(), 'closed as announced');
              continue;
            }
            c.write(base('/public'));
            const b = seen(await c.next(), `${name}: next check`);
            assert.equal(b.status, 200);
          } finally {
            c.close();
          }
        }
      });
    }

    it('Upgrade: websocket on a check: a decision (not 101, not a hang), same as the plain check', async () => {
      for (const [path, status] of [
        ['/public', 200],
        ['/dash', 401],
      ] as const) {
        for (const port of [auth, web]) {
          const target = port === web ? '/.gatehouse/auth/traefik' : '/';
          const from = finished.length;
          const a = seen(
            await ask(
              port,
              traefik(
                path,
                [
                  'Connection: Upgrade',
                  'Upgrade: websocket',
                  'Sec-WebSocket-Version: 13',
                  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
                ],
                { target },
              ),
            ),
            `upgrade ${path}`,
          );
          assert.equal(a.status, status, `${port === web ? 'proxy' : 'dedicated'}: ${a.raw.slice(0, 300)}`);
          assert.equal(decisions(from).length, 1);
        }
      }
    });
  });

  describe('bytes, framing and keep-alive', () => {
    it('a check split into two writes at every offset: every split answered the same (lean engine)', async () => {
      const bytes = traefik('/public', [], { target: '/' });
      const c = await Conn.open(auth);
      c.socket.setNoDelay(true);
      try {
        for (let i = 1; i < bytes.length; i++) {
          await new Promise<void>((r) => c.socket.write(Buffer.from(bytes.slice(0, i), 'latin1'), () => r()));
          c.write(bytes.slice(i));
          const a = await c.next();
          assert.ok(a, `split at ${i}: answered`);
          assert.equal(a.status, 200, `split at ${i}`);
          assert.ok(h(a, 'x-gatehouse-assertion'), `split at ${i}`);
        }
      } finally {
        c.close();
      }
    });

    it('a pipelined check followed by garbage: the check answered, then 400 and close; the garbage never decided', async () => {
      for (const port of [web, auth]) {
        const from = finished.length;
        const c = await Conn.open(port);
        try {
          c.write(
            `${traefik('/public')}${traefik('/dash', [`Authorization: Bearer ${alice}`])}GARBAGE \x01\x02 HTTP/9\r\n\r\n`,
          );
          const statuses: number[] = [];
          for (let i = 0; i < 3; i++) {
            const a = await c.next();
            if (!a) break;
            seen(a, `pipelined ${i}`);
            statuses.push(a.status);
          }
          assert.ok(await c.waitClose(), 'closed after the garbage');
          // the lean engine answers both checks, then 400; node:http may close once it meets the
          // garbage while the second (asynchronous) check is in flight: never a 400 in its place
          const wanted = port === auth ? [200, 200, 400] : [200, 200, 400].slice(0, statuses.length);
          assert.deepEqual(statuses, wanted, port === auth ? 'dedicated' : 'proxy');
          assert.ok(statuses.length >= 1);
          const paths = decisions(from).map((e) => e.request.path);
          assert.ok(!paths.some((p) => !['/public', '/dash'].includes(p)), 'the garbage is never decided');
        } finally {
          c.close();
        }
      }
    });

    it('a HEAD check on a kept-alive connection: status and headers, no body; the next check is framed right', async () => {
      for (const port of [web, auth]) {
        const c = await Conn.open(port);
        try {
          for (const [path, status] of [
            ['/dash', 401],
            ['/public', 200],
          ] as const) {
            c.write(traefik(path, [], { checkMethod: 'HEAD' }));
            const a = seen(await c.next({ head: true }), `HEAD ${path}`);
            assert.equal(a.status, status);
            assert.ok(h(a, 'x-gatehouse-reason') || status === 200);
            c.write(traefik('/dash'));
            const b = seen(await c.next(), `GET after HEAD ${path}`);
            assert.equal(
              b.status,
              401,
              `the answer after a HEAD starts where the HEAD answer ended:\n${b.raw.slice(0, 200)}`,
            );
            assert.equal(b.body.length, Number(h(b, 'content-length')));
          }
          assert.equal(c.rest(), '', 'no stray bytes (a HEAD answer with a body would desync nginx)');
        } finally {
          c.close();
        }
      }
    });

    it('denials keep the connection (nginx keep-alive pool): 403 conflict, 401, 403 TRACE, then 200 on one connection', async () => {
      for (const port of [web, auth]) {
        const c = await Conn.open(port);
        try {
          for (const [bytes, status] of [
            [nginx('/public', ['X-Forwarded-Uri: /dash']), 403],
            [nginx('/dash'), 401],
            [nginx('/public', [], { method: 'TRACE' }), 403],
            [nginx('/public'), 200],
          ] as const) {
            c.write(bytes);
            const a = seen(await c.next(), 'keep-alive');
            assert.equal(a.status, status);
            assert.notEqual(
              h(a, 'connection')?.toLowerCase(),
              'close',
              'a deny does not close the connection',
            );
          }
          assert.equal(c.closed, false);
        } finally {
          c.close();
        }
      }
    });

    it('Connection: close is honoured: connection: close in the answer, then the server closes', async () => {
      for (const port of [web, auth]) {
        const c = await Conn.open(port);
        try {
          c.write(nginx('/public', ['Connection: close']));
          const a = seen(await c.next(), 'close');
          assert.equal(a.status, 200);
          assert.equal(h(a, 'connection')?.toLowerCase(), 'close');
          assert.ok(await c.waitClose());
        } finally {
          c.close();
        }
      }
    });

    it('half-open: a check then FIN is still answered, then closed; half a head then FIN closes without an answer', async () => {
      for (const port of [web, auth]) {
        const c = await Conn.open(port);
        c.socket.end(Buffer.from(traefik('/public'), 'latin1'));
        const a = seen(await c.next(), 'FIN after a check');
        assert.equal(a.status, 200);
        assert.ok(await c.waitClose());
        const d = await Conn.open(port);
        d.socket.end('GET / HTTP/1.1\r\nHost: gatehouse\r\nX-Forw');
        assert.ok(await d.waitClose(), 'closed');
        const late = await d.next();
        assert.ok(
          late === undefined || late.status === 400,
          "nothing, or node:http's 400 for a truncated head",
        );
      }
    });
  });

  describe('resource abuse on the dedicated listener', () => {
    it('200 connections holding half a head: all cut with 408 (clientHeadersTimeoutMs 300), others answered meanwhile', async () => {
      const held = await Promise.all(Array.from({ length: 200 }, () => Conn.open(auth)));
      for (const c of held) c.write('GET / HTTP/1.1\r\nHost: gatehouse\r\nX-Forwarded-Uri: /pu');
      const a = seen(await ask(auth, traefik('/public')), 'during slowloris');
      assert.equal(a.status, 200);
      const started = Date.now();
      const closed = await Promise.all(held.map((c) => c.waitClose(5_000)));
      assert.ok(closed.every(Boolean), 'every held connection was closed');
      assert.ok(Date.now() - started < 5_000);
      assert.match(held[0]!.rest(), /^HTTP\/1\.1 408 /);
    });

    it('a head dripped one line every 100 ms is cut at the head deadline (lean engine)', async () => {
      const c = await Conn.open(auth);
      c.write('GET / HTTP/1.1\r\nHost: gatehouse\r\n');
      const drip = setInterval(() => c.write('X-Drip: a\r\n'), 100);
      try {
        const started = Date.now();
        assert.ok(await c.waitClose(4_000), 'cut');
        assert.ok(Date.now() - started < 4_000);
        assert.match(c.rest(), /^HTTP\/1\.1 408 /);
      } finally {
        clearInterval(drip);
        c.close();
      }
    });

    /**
     * Pipeline ~24 MiB of denied checks on one connection that never reads; the peak size of
     * the server side's write buffer until it stops reading (200 ms without a byte read), the
     * buffer passes `limit`, or 6 s pass.
     */
    async function floodPeak(port: number, target: string, limit: number): Promise<number> {
      let server: net.Socket | undefined;
      const onSocket = (m: unknown) => {
        const s = (m as { socket: net.Socket }).socket;
        if (s.localPort === port) server ??= s;
      };
      diagnosticsChannel.subscribe('net.server.socket', onSocket);
      const flood = await Conn.open(port);
      flood.socket.pause(); // never reads
      const one = traefik('/dash', [], { target });
      const bytes = Buffer.from(one.repeat(Math.ceil((24 * 1024 * 1024) / one.length)), 'latin1');
      let peak = 0;
      try {
        flood.socket.write(bytes);
        await new Promise<void>((resolve) => {
          const started = Date.now();
          let stable = 0;
          let lastRead = -1;
          const tick = setInterval(() => {
            const s = server;
            if (!s) return;
            peak = Math.max(peak, s.writableLength);
            const read = s.bytesRead;
            stable = read === lastRead ? stable + 1 : 0;
            lastRead = read;
            if (s.writableLength > limit || stable >= 20 || Date.now() - started > 6_000) {
              clearInterval(tick);
              resolve();
            }
          }, 10);
        });
        assert.ok(server, 'the server-side socket was seen');
        return peak;
      } finally {
        diagnosticsChannel.unsubscribe('net.server.socket', onSocket);
        flood.close();
      }
    }

    it('control: on a proxy listener (node:http) a client pipelining checks it never reads is paused', async () => {
      const peak = await floodPeak(web, '/.gatehouse/auth/traefik', 16 * 1024 * 1024);
      assert.ok(peak <= 1024 * 1024, `node:http buffered ${(peak / 1048576).toFixed(1)} MiB`);
    });

    it('a client that pipelines checks and never reads: the dedicated listener stops reading, its write buffer stays bounded', async () => {
      // the flood is ~24 MiB of answers; as on node:http, at most about one socket buffer may wait
      const peak = await floodPeak(auth, '/', 16 * 1024 * 1024);
      assert.ok(
        peak <= 1024 * 1024,
        `Gatehouse buffered ${(peak / 1048576).toFixed(1)} MiB of answers for a client that reads nothing`,
      );
      const a = seen(await ask(auth, traefik('/public')), 'after the flood');
      assert.equal(a.status, 200);
    });
  });

  describe('ext_authz gRPC: CheckRequest contents', () => {
    // [name, request, grpc status code, http status, reason (undefined: allowed), decided path]
    const cases: [
      string,
      () => Record<string, unknown>,
      number,
      number | undefined,
      string | undefined,
      string?,
    ][] = [
      [
        'header_map raw_value that is not UTF-8',
        () =>
          envoyCheck('/public', {
            headers: undefined,
            header_map: {
              headers: [
                { key: ':path', raw_value: Buffer.from('/public') },
                { key: 'cookie', raw_value: Buffer.from([0x73, 0x3d, 0xff, 0xfe, 0x80]) },
                { key: 'x-note', raw_value: Buffer.from([0xc3, 0x28]) },
              ],
            },
          }),
        0,
        undefined,
        undefined,
        '/public',
      ],
      [
        'header_map with :path twice',
        () =>
          envoyCheck('/dash', {
            headers: undefined,
            header_map: {
              headers: [
                { key: ':path', value: '/dash' },
                { key: ':path', value: '/public' },
              ],
            },
          }),
        7,
        403,
        'forward-auth-headers-conflict',
      ],
      [
        ':path disagreeing with http.path',
        () => envoyCheck('/dash', { headers: { ':path': '/public', ':authority': APP_HOST } }),
        7,
        403,
        'forward-auth-headers-conflict',
      ],
      [
        'path with a query and a fragment',
        () => envoyCheck('/public?x=1#frag', { headers: {} }),
        7,
        403,
        'request-invalid',
      ],
      [
        'path with a query',
        () => envoyCheck('/public?x=1', { headers: {} }),
        0,
        undefined,
        undefined,
        '/public',
      ],
      [
        'absent scheme',
        () => envoyCheck('/public', { scheme: undefined, headers: {} }),
        0,
        undefined,
        undefined,
        '/public',
      ],
      [
        'host with userinfo',
        () => envoyCheck('/public', { host: `u:p@${APP_HOST}`, headers: {} }),
        7,
        403,
        'request-invalid',
      ],
      [
        'method in lower case',
        () => envoyCheck('/public', { method: 'get', headers: {} }),
        7,
        403,
        'request-invalid',
      ],
      [
        'descriptor headers in the header map do not change the path decided',
        () => envoyCheck('/dash', { headers: { 'x-forwarded-uri': '/public', 'x-original-uri': '/public' } }),
        16,
        401,
        'no-rule-matched',
        '/dash',
      ],
      [
        '600 headers',
        () => {
          const headers: Record<string, string> = {};
          for (let i = 0; i < 600; i++) headers[`x-h${i}`] = 'v';
          return envoyCheck('/public', { headers });
        },
        7,
        403,
        'request-invalid',
      ],
      [
        'a bad bearer token carrying a secret',
        () => envoyCheck('/dash', { headers: { authorization: `Bearer ${SECRET}.${SECRET}.${SECRET}` } }),
        16,
        401,
        undefined,
        '/dash',
      ],
    ];
    for (const [name, make, code, status, reason, path] of cases) {
      it(`${name}: gRPC ${code}${status ? ` / ${status} ${reason ?? ''}` : ' allowed'}`, async () => {
        const from = finished.length;
        const { res, err } = await call(client, make());
        assert.equal(err, undefined, `the call itself succeeds: ${err?.message}`);
        answers.push(JSON.stringify(res));
        assert.equal(res!.status.code, code, JSON.stringify(res).slice(0, 300));
        if (code === 0) {
          const assertion = grpcHeader(res!.ok_response?.headers, 'x-gatehouse-assertion');
          assert.ok(assertion, 'an allow carries the assertion');
          assert.equal(jwtPayload(assertion).aud, 'app');
        } else {
          assert.equal(res!.denied_response?.status.code, status);
          const r = grpcHeader(res!.denied_response?.headers, 'x-gatehouse-reason');
          denies.push({ where: `grpc ${name}`, reason: r });
          if (reason) assert.equal(r, reason);
          else assert.ok(r);
        }
        assert.ok(!JSON.stringify(res).includes(SECRET));
        const d = finished.slice(from).filter((e) => e.via === 'ext-authz');
        assert.equal(d.length, 1, 'one decision record');
        if (path) assert.equal(d[0]!.request.path, path);
      });
    }

    it('unknown fields are skipped; a message of exactly maxMessageBytes is decided, one byte more fails the call', async () => {
      const base = serialize(envoyCheck('/public'));
      const exact = paddedTo(base, MAX_MESSAGE);
      assert.equal(exact.length, MAX_MESSAGE);
      const ok = await rawGrpc(grpcPort, frame(exact));
      assert.equal(ok.grpcStatus, '0', 'exactly maxMessageBytes: answered');
      assert.ok(ok.data.length > 5, 'with a CheckResponse');
      const over = await rawGrpc(grpcPort, frame(paddedTo(base, MAX_MESSAGE + 1)));
      assert.equal(over.grpcStatus, '8', 'one byte more: RESOURCE_EXHAUSTED');
    });
  });

  describe('ext_authz gRPC: framing, compression and load', () => {
    it('bad compression flags, a lying length, two messages: the call fails, or (a non-zero flag without an encoding) decides the same message', async () => {
      const msg = serialize(envoyCheck('/dash'));
      // grpc-js reads any non-zero flag with identity encoding as the plain message (lenient, not
      // what the gRPC spec asks): acceptable only if it is then the same decision
      for (const flag of [1, 2, 0x80]) {
        const lenient = await rawGrpc(grpcPort, frame(msg, flag));
        if (lenient.grpcStatus === '0') {
          const res = authorizationService().service.Check!.responseDeserialize(
            lenient.data.subarray(5),
          ) as CheckResponse;
          assert.equal(
            res.status.code,
            16,
            `flag ${flag}: the same decision as uncompressed (/dash, no token)`,
          );
        } else {
          assert.ok(lenient.grpcStatus !== undefined, `flag ${flag}: a gRPC status`);
        }
      }
      for (const [name, body] of [
        ['length says 1 GB', frame(msg, 0, 1 << 30)],
        ['truncated prefix', Buffer.from([0, 0, 0])],
        [
          'two messages in a unary call',
          Buffer.concat([frame(msg), frame(serialize(envoyCheck('/public')))]),
        ],
      ] as const) {
        const r = await rawGrpc(grpcPort, body);
        assert.ok(r.grpcStatus !== undefined && r.grpcStatus !== '0', `${name}: grpc-status ${r.grpcStatus}`);
      }
    });

    it('a gzip decompression bomb (8 MiB of zeros in ~8 KiB) fails with RESOURCE_EXHAUSTED, memory stays flat', async () => {
      const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024));
      assert.ok(bomb.length < MAX_MESSAGE);
      const before = process.memoryUsage().rss;
      const r = await rawGrpc(grpcPort, frame(bomb, 1), { 'grpc-encoding': 'gzip' });
      assert.equal(r.grpcStatus, '8');
      assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024);
      const ok = await call(client, envoyCheck('/public'));
      assert.equal(ok.res?.status.code, 0);
    });

    it('HTTP/1.1 and HTTP/2 garbage to the gRPC port: connection closed, the service keeps answering', async () => {
      for (const bytes of [
        nginx('/public'),
        Buffer.concat([
          Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
          Buffer.from([0, 0, 4, 0xff, 0xff, 0, 0, 0, 1, 1, 2, 3, 4]),
        ]),
        Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131) & 0xff)),
      ]) {
        const c = await Conn.open(grpcPort);
        c.write(bytes);
        assert.ok(await c.waitClose(3_000), 'closed');
        assert.ok(!/HTTP\/1\.1 200/.test(c.rest()));
      }
      const ok = await call(client, envoyCheck('/public'));
      assert.equal(ok.res?.status.code, 0);
    });

    it('1000 concurrent calls: every one answered with its own decision', async () => {
      const results = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          call(client, envoyCheck(i % 2 === 0 ? `/public/${i}` : `/dash/${i}`)),
        ),
      );
      results.forEach((r, i) => {
        assert.equal(r.err, undefined, `call ${i}: ${r.err?.message}`);
        assert.equal(r.res!.status.code, i % 2 === 0 ? 0 : 16, `call ${i}`);
      });
    });

    it('500 calls cancelled at once, 1 ms deadlines and 1000 idle streams: the service keeps answering', async () => {
      const cancelled = Array.from({ length: 500 }, () => {
        const done = new Promise<void>((resolve) => {
          const c = (
            client as unknown as { Check: (r: unknown, cb: () => void) => { cancel(): void } }
          ).Check(envoyCheck('/dash', { headers: { authorization: `Bearer ${alice}` } }), () => resolve());
          c.cancel();
        });
        return done;
      });
      await Promise.all(cancelled);
      const short = await Promise.all(
        Array.from({ length: 50 }, () => call(client, envoyCheck('/public'), { deadlineMs: 1 })),
      );
      for (const r of short) assert.ok(r.res?.status.code === 0 || r.err?.code === 4, r.err?.message);
      // streams opened with headers and never finished
      const session = http2.connect(`http://127.0.0.1:${grpcPort}`);
      session.on('error', () => {});
      const streams = Array.from({ length: 1000 }, () => {
        const s = session.request({
          ':method': 'POST',
          ':path': CHECK_PATH,
          'content-type': 'application/grpc',
          te: 'trailers',
        });
        s.on('error', () => {});
        return s;
      });
      try {
        const ok = await call(client, envoyCheck('/dash', { headers: { authorization: `Bearer ${alice}` } }));
        assert.equal(ok.res?.status.code, 0, 'another gateway is answered meanwhile');
      } finally {
        for (const s of streams) s.close();
        session.destroy();
      }
    });
  });

  it('after the attacks: still serving, no internal error, every deny has a reason, no secret in answers or logs', async () => {
    const a = seen(await ask(auth, traefik('/public')), 'final');
    assert.equal(a.status, 200);
    assert.deepEqual(internal, [], 'no internal error was published');
    const missing = denies.filter((d) => !d.reason);
    assert.deepEqual(missing, [], 'every deny carries X-Gatehouse-Reason');
    for (const raw of answers) assert.ok(!raw.includes(SECRET), 'no secret in an answer');
    await gh.shutdown(1_000);
    ghClosed = true;
    const audit = readFileSync(join(auditDir, 'audit.jsonl'), 'utf8');
    assert.ok(audit.split('\n').length > 50, 'decision records were written');
    for (const line of audit.trim().split('\n')) {
      const rec = JSON.parse(line) as { decision?: string; reason?: string | null; status?: number };
      if (rec.decision === 'deny')
        assert.ok(rec.reason, `a deny record without a reason: ${line.slice(0, 200)}`);
    }
    assert.ok(!audit.includes(SECRET), 'no secret in the audit log');
    assert.ok(!audit.includes(alice), 'no bearer token in the audit log');
    const log = logLines.join('');
    assert.ok(!log.includes(SECRET), 'no secret in the operational log');
    assert.ok(!log.includes(alice), 'no bearer token in the operational log');
    assert.doesNotMatch(log, STACK, 'no stack in the operational log');
  });
});
