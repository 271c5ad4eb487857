/**
 * The conformance suite every forward-auth adapter runs: given the request its peer sends for
 * an original request, it rebuilds exactly that request; without a fact it needs it says
 * which is missing; with garbage it fails, never throws.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AdapterName, OriginalRequest, RebuildContext } from '../adapter.ts';
import { describe as describeHeaders } from '../description.ts';
import { HeaderView } from '../header-view.ts';
import { ADAPTERS, detectAdapter } from './registry.ts';

const PREFIX = '/.gatehouse/ext-authz';

interface AuthRequest {
  method: string;
  url: string;
  headers: [string, string][];
}

/** How each peer sends a check for `o`; `essential` lists headers whose absence must be reported. */
const PEERS: Record<AdapterName, { send(o: Required<OriginalRequest>): AuthRequest; essential: string[] }> = {
  nginx: {
    send: (o) => ({
      method: 'GET',
      url: '/.gatehouse/auth/nginx',
      headers: [
        ['host', o.authority],
        ['x-original-uri', o.target],
        ['x-original-method', o.method],
        ['x-forwarded-proto', o.scheme],
      ],
    }),
    essential: ['x-original-uri', 'x-original-method'],
  },
  traefik: {
    send: (o) => ({
      method: 'GET',
      url: '/',
      headers: [
        ['host', 'gatehouse:4181'],
        ['x-forwarded-method', o.method],
        ['x-forwarded-proto', o.scheme],
        ['x-forwarded-host', o.authority],
        ['x-forwarded-uri', o.target],
      ],
    }),
    essential: ['x-forwarded-method', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-uri'],
  },
  caddy: {
    send: (o) => ({
      method: 'GET',
      url: '/.gatehouse/auth/caddy',
      headers: [
        ['host', o.authority],
        ['x-forwarded-method', o.method],
        ['x-forwarded-uri', o.target],
        ['x-forwarded-host', o.authority],
        ['x-forwarded-proto', o.scheme],
      ],
    }),
    essential: ['x-forwarded-method', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-uri'],
  },
  'envoy-http': {
    send: (o) => ({
      method: o.method,
      url: `${PREFIX}${o.target}`,
      headers: [
        ['host', o.authority],
        ['x-forwarded-proto', o.scheme],
      ],
    }),
    essential: ['host'],
  },
};

function context(r: AuthRequest): RebuildContext | undefined {
  const headers = HeaderView.fromPairs(r.headers);
  const described = describeHeaders(headers);
  if (!described.ok) return undefined;
  const hosts = headers.all('host');
  return {
    headers,
    described: described.described,
    method: r.method,
    url: r.url,
    host: hosts.length === 1 ? hosts[0] : undefined,
    envoyPathPrefix: PREFIX,
  };
}

const ORIGINALS: Required<OriginalRequest>[] = [
  { method: 'GET', scheme: 'https', authority: 'app.example.com', target: '/' },
  { method: 'POST', scheme: 'http', authority: 'app.example.com:8080', target: '/a/b?c=d&e=%2F' },
  { method: 'DELETE', scheme: 'https', authority: '[::1]:8443', target: '/x/../y;z?q' },
];

for (const [name, adapter] of Object.entries(ADAPTERS)) {
  const peer = PEERS[name as AdapterName];
  describe(`forward-auth adapter conformance: ${name}`, () => {
    it('rebuilds exactly the original request its peer describes', () => {
      for (const o of ORIGINALS) {
        const ctx = context(peer.send(o));
        assert.ok(ctx, JSON.stringify(o));
        const r = adapter.rebuild(ctx);
        assert.ok(r.ok, `${JSON.stringify(o)}: ${r.ok ? '' : r.detail}`);
        assert.deepEqual(r.original, o);
      }
    });

    it('reports a missing essential header as forward-auth-headers-missing', () => {
      for (const drop of peer.essential) {
        const sent = peer.send(ORIGINALS[0]!);
        const ctx = context({ ...sent, headers: sent.headers.filter(([n]) => n !== drop) });
        assert.ok(ctx);
        const r = adapter.rebuild(ctx);
        assert.equal(r.ok, false, `without ${drop}`);
        if (!r.ok) assert.equal(r.reason, 'forward-auth-headers-missing', drop);
      }
    });

    it('never throws on garbage', () => {
      const garbage: AuthRequest[] = [
        { method: '', url: '', headers: [] },
        { method: 'GET', url: '*', headers: [['x-original-url', 'not a url']] },
        { method: 'GET', url: PREFIX, headers: [['x-forwarded-uri', '\u0000']] },
        { method: 'GET', url: `${PREFIX}x`, headers: [['host', '']] },
      ];
      for (const g of garbage) {
        const ctx = context(g);
        if (ctx) assert.doesNotThrow(() => adapter.rebuild(ctx));
      }
    });

    it('is detected from its own headers at /.gatehouse/auth (all but Envoy, which has its prefix)', () => {
      const headers = HeaderView.fromPairs(peer.send(ORIGINALS[0]!).headers);
      const detected = detectAdapter(headers);
      if (name === 'envoy-http') assert.equal(adapter.claims(headers), false);
      else assert.equal(detected?.browserSignIn, adapter.browserSignIn);
    });
  });
}
