/**
 * The deploy/forward-auth examples are parsed and shape-checked: each object has the
 * apiVersion, kind and fields its API requires, points at an endpoint Gatehouse serves, and
 * the Gatehouse config among them loads. (No API server runs here: the checks mirror the
 * published schemas and CEL rules of each resource.)
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { loadConfigText } from '../src/config/index.ts';
import { ENDPOINT_PATHS } from '../src/forward-auth/index.ts';
import { ROOT } from './helpers/child.ts';

const DIR = join(ROOT, 'deploy', 'forward-auth');
type Obj = Record<string, unknown>;

function documents(file: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(join(DIR, file), 'utf8'));
  for (const d of docs) assert.deepEqual(d.errors, [], `${file}: YAML errors`);
  return docs.map((d) => d.toJSON() as Obj).filter((o) => o !== null);
}

function at(o: unknown, path: string): unknown {
  let cur = o;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Obj)[key];
  }
  return cur;
}

function need(o: Obj, path: string, where: string): unknown {
  const v = at(o, path);
  assert.ok(v !== undefined && v !== null && v !== '', `${where}: ${path} is required`);
  return v;
}

const GATEHOUSE_CONFIG = loadConfigText(readFileSync(join(DIR, 'gatehouse-config.yaml'), 'utf8'));
const HTTP_PORT = 8080;
const GRPC_PORT = 9191;
const PREFIX = '/.gatehouse/ext-authz';

function gatehouseBackend(ref: unknown, port: number, where: string): void {
  assert.equal(at(ref, 'name'), 'gatehouse', `${where}: backend is the gatehouse Service`);
  assert.equal(at(ref, 'port'), port, `${where}: backend port`);
}

/** Kind-specific checks; every object also needs apiVersion, kind and metadata.name. */
const CHECKS: Record<string, (o: Obj, where: string) => void> = {
  'v1/Service': (o, where) => {
    const ports = need(o, 'spec.ports', where) as Obj[];
    assert.deepEqual(
      ports.map((p) => p.port),
      [HTTP_PORT, GRPC_PORT],
      where,
    );
  },
  'gateway.networking.k8s.io/v1/HTTPRoute': (o, where) => {
    assert.ok((need(o, 'spec.parentRefs', where) as unknown[]).length > 0, `${where}: parentRefs`);
    const filters = (need(o, 'spec.rules', where) as Obj[]).flatMap(
      (r) => (r.filters as Obj[] | undefined) ?? [],
    );
    const ext = filters.filter((f) => f.type === 'ExternalAuth');
    assert.ok(ext.length > 0, `${where}: an ExternalAuth filter`);
    for (const f of ext) {
      const e = need(f, 'externalAuth', where) as Obj;
      const protocol = e.protocol;
      assert.ok(protocol === 'HTTP' || protocol === 'GRPC', `${where}: protocol HTTP or GRPC`);
      // the API's CEL rules: http goes with HTTP, grpc with GRPC
      assert.equal(e.http !== undefined, protocol === 'HTTP', `${where}: http iff protocol HTTP`);
      assert.equal(e.grpc !== undefined, protocol === 'GRPC', `${where}: grpc iff protocol GRPC`);
      gatehouseBackend(e.backendRef, protocol === 'HTTP' ? HTTP_PORT : GRPC_PORT, where);
      if (protocol === 'HTTP') {
        assert.equal(at(e, 'http.path'), PREFIX, `${where}: http.path is Gatehouse's Envoy prefix`);
        const copied = at(e, 'http.allowedResponseHeaders') as string[];
        assert.ok(copied.includes('x-gatehouse-assertion'), `${where}: the assertion is copied upstream`);
      }
      for (const h of (at(e, `${protocol === 'HTTP' ? 'http' : 'grpc'}.allowedHeaders`) as string[]) ?? [])
        assert.equal(h, h.toLowerCase(), `${where}: header names lower-case`);
    }
  },
  'gateway.networking.k8s.io/v1beta1/ReferenceGrant': (o, where) => {
    need(o, 'spec.from', where);
    const to = need(o, 'spec.to', where) as Obj[];
    assert.ok(
      to.some((t) => t.kind === 'Service' && t.name === 'gatehouse'),
      `${where}: grants the gatehouse Service`,
    );
  },
  'gateway.envoyproxy.io/v1alpha1/SecurityPolicy': (o, where) => {
    assert.ok((need(o, 'spec.targetRefs', where) as unknown[]).length > 0, `${where}: targetRefs`);
    const ext = need(o, 'spec.extAuth', where) as Obj;
    assert.equal(
      (ext.grpc !== undefined) !== (ext.http !== undefined),
      true,
      `${where}: exactly one of grpc, http`,
    );
    assert.notEqual(ext.failOpen, true, `${where}: never fail open`);
    if (ext.grpc) gatehouseBackend((at(ext, 'grpc.backendRefs') as Obj[])[0], GRPC_PORT, where);
    if (ext.http) {
      gatehouseBackend((at(ext, 'http.backendRefs') as Obj[])[0], HTTP_PORT, where);
      assert.equal(at(ext, 'http.path'), PREFIX, where);
      assert.ok((at(ext, 'http.headersToBackend') as string[]).includes('x-gatehouse-assertion'), where);
    }
  },
  'v1/ConfigMap': (o, where) => {
    const mesh = parseYaml(String(need(o, 'data.mesh', where))) as Obj;
    const providers = need(mesh, 'extensionProviders', where) as Obj[];
    for (const p of providers) {
      need(p, 'name', where);
      const grpc = p.envoyExtAuthzGrpc as Obj | undefined;
      const http = p.envoyExtAuthzHttp as Obj | undefined;
      assert.ok((grpc === undefined) !== (http === undefined), `${where}: one provider kind each`);
      const spec = (grpc ?? http)!;
      assert.equal(spec.service, 'gatehouse.gatehouse.svc.cluster.local', where);
      assert.equal(spec.port, grpc ? GRPC_PORT : HTTP_PORT, where);
      if (http) {
        assert.equal(http.pathPrefix, PREFIX, where);
        assert.ok((http.headersToUpstreamOnAllow as string[]).includes('x-gatehouse-assertion'), where);
        assert.ok(
          (http.headersToDownstreamOnDeny as string[]).includes('location'),
          `${where}: sign-in redirects reach the browser`,
        );
      }
    }
  },
  'security.istio.io/v1/AuthorizationPolicy': (o, where) => {
    assert.equal(at(o, 'spec.action'), 'CUSTOM', where);
    const provider = need(o, 'spec.provider.name', where);
    const meshes = documents('istio-extension-providers.yaml')
      .filter((d) => d.kind === 'ConfigMap')
      .flatMap((d) => (parseYaml(String(at(d, 'data.mesh'))) as Obj).extensionProviders as Obj[]);
    assert.ok(
      meshes.some((p) => p.name === provider),
      `${where}: provider ${provider} is declared in meshConfig`,
    );
  },
  'traefik.io/v1alpha1/Middleware': (o, where) => {
    const address = new URL(String(need(o, 'spec.forwardAuth.address', where)));
    assert.ok(ENDPOINT_PATHS.has(address.pathname), `${where}: ${address.pathname} is a Gatehouse endpoint`);
    assert.equal(Number(address.port), HTTP_PORT, where);
    assert.notEqual(
      at(o, 'spec.forwardAuth.trustForwardHeader'),
      true,
      `${where}: Traefik must overwrite client X-Forwarded-*`,
    );
    assert.ok(
      (at(o, 'spec.forwardAuth.authResponseHeaders') as string[]).includes('X-Gatehouse-Assertion'),
      where,
    );
  },
  'traefik.io/v1alpha1/IngressRoute': (o, where) => {
    const routes = need(o, 'spec.routes', where) as Obj[];
    assert.ok(
      routes.every((r) => (r.middlewares as Obj[]).some((m) => m.name === 'gatehouse')),
      where,
    );
  },
  'networking.k8s.io/v1/Ingress': (o, where) => {
    const a = need(o, 'metadata.annotations', where) as Record<string, string>;
    const url = new URL(a['nginx.ingress.kubernetes.io/auth-url']!);
    assert.ok(ENDPOINT_PATHS.has(url.pathname), `${where}: auth-url is a Gatehouse endpoint`);
    assert.ok(a['nginx.ingress.kubernetes.io/auth-signin'], `${where}: auth-signin for browsers`);
    assert.match(a['nginx.ingress.kubernetes.io/auth-response-headers']!, /X-Gatehouse-Assertion/);
    assert.equal(a['nginx.ingress.kubernetes.io/auth-cache-key'], undefined, `${where}: no decision cache`);
    need(o, 'spec.rules', where);
  },
};

describe('deploy/forward-auth examples', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'gatehouse-config.yaml');

  it('the Gatehouse config loads: schema and semantic checks pass, forwardAuth is on', () => {
    assert.ok(GATEHOUSE_CONFIG.ok, GATEHOUSE_CONFIG.ok ? '' : JSON.stringify(GATEHOUSE_CONFIG.problems));
    assert.ok(GATEHOUSE_CONFIG.config.forwardAuth);
    assert.equal(GATEHOUSE_CONFIG.config.forwardAuth.grpc?.port, GRPC_PORT);
    assert.equal(GATEHOUSE_CONFIG.config.listeners[0]!.port, HTTP_PORT);
    assert.equal(GATEHOUSE_CONFIG.config.forwardAuth.envoyPathPrefix, PREFIX);
  });

  it('covers every peer the README lists', () => {
    const kinds = new Set(files.flatMap((f) => documents(f).map((d) => `${d.apiVersion}/${d.kind}`)));
    for (const k of [
      'gateway.networking.k8s.io/v1/HTTPRoute',
      'gateway.envoyproxy.io/v1alpha1/SecurityPolicy',
      'security.istio.io/v1/AuthorizationPolicy',
      'traefik.io/v1alpha1/Middleware',
      'networking.k8s.io/v1/Ingress',
    ])
      assert.ok(kinds.has(k), k);
  });

  for (const file of files) {
    it(`${file}: every object has the shape its API requires`, () => {
      const docs = documents(file);
      assert.ok(docs.length > 0);
      for (const [i, o] of docs.entries()) {
        const where = `${file}#${i}`;
        need(o, 'apiVersion', where);
        need(o, 'kind', where);
        need(o, 'metadata.name', where);
        const check = CHECKS[`${o.apiVersion}/${o.kind}`];
        assert.ok(check, `${where}: no shape check for ${o.apiVersion}/${o.kind}`);
        check(o, where);
      }
    });
  }

  it('a broken example is caught (the checks can fail)', () => {
    const route = documents('httproute-external-auth-http.yaml')[0]!;
    const broken = structuredClone(route) as Obj;
    const filter = ((broken.spec as Obj).rules as Obj[])[0]!.filters as Obj[];
    (filter[0]!.externalAuth as Obj).protocol = 'GRPC';
    assert.throws(() => CHECKS['gateway.networking.k8s.io/v1/HTTPRoute']!(broken, 'broken'));
  });
});
