/**
 * The deploy/forward-auth examples are parsed and shape-checked: each object has the
 * apiVersion, kind and fields its API requires, points at an endpoint Gatehouse serves, and
 * the Gatehouse config among them loads. Every HTTP check goes to the dedicated forward-auth
 * listener: the port of the listener `forwardAuth.listener` names in gatehouse-config.yaml,
 * which the Service exposes; gRPC checks go to `forwardAuth.grpc.port`. (No API server runs
 * here: the checks mirror the published schemas and CEL rules of each resource.)
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments, parse as parseYaml, stringify as stringifyYaml } from 'yaml';
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
const CONFIG = GATEHOUSE_CONFIG.ok ? GATEHOUSE_CONFIG.config : undefined;
/** Every listener of the example config, by name (empty when it does not load: the checks then fail). */
const LISTENER_PORTS = new Map((CONFIG?.listeners ?? []).map((l) => [l.name, l.port]));
/** The dedicated forward-auth listener's port: where every HTTP check must go. */
const AUTH_PORT = LISTENER_PORTS.get(CONFIG?.forwardAuth?.listener ?? '');
/** The ext_authz gRPC port: where every gRPC check must go. */
const GRPC_PORT = CONFIG?.forwardAuth?.grpc?.port;
const PREFIX = '/.gatehouse/ext-authz';
const SERVICE_HOST = 'gatehouse.gatehouse.svc.cluster.local';

function gatehouseBackend(ref: unknown, port: number | undefined, where: string): void {
  assert.equal(at(ref, 'name'), 'gatehouse', `${where}: backend is the gatehouse Service`);
  assert.equal(at(ref, 'port'), port, `${where}: backend port`);
}

/** An HTTP check URL: the gatehouse Service, the dedicated listener's port, a Gatehouse endpoint. */
function checkUrl(value: unknown, where: string): void {
  const url = new URL(String(value));
  assert.equal(url.hostname, SERVICE_HOST, `${where}: the check goes to the gatehouse Service`);
  assert.equal(Number(url.port), AUTH_PORT, `${where}: the check goes to the dedicated listener's port`);
  assert.ok(ENDPOINT_PATHS.has(url.pathname), `${where}: ${url.pathname} is a Gatehouse endpoint`);
}

/** Kind-specific checks; every object also needs apiVersion, kind and metadata.name. */
const CHECKS: Record<string, (o: Obj, where: string) => void> = {
  'v1/Service': (o, where) => {
    const ports = need(o, 'spec.ports', where) as Obj[];
    // every listener of the config (the dedicated one among them) and the gRPC port, each
    // exposed on its own number, so the examples can name the container port
    assert.deepEqual(
      ports.map((p) => p.port),
      [...LISTENER_PORTS.values(), GRPC_PORT],
      where,
    );
    for (const p of ports) {
      need(p, 'name', where);
      assert.equal(p.targetPort, p.port, `${where}: port ${p.port} is the container port`);
    }
    assert.ok(
      AUTH_PORT !== undefined && ports.some((p) => p.port === AUTH_PORT),
      `${where}: the dedicated listener is exposed`,
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
      gatehouseBackend(e.backendRef, protocol === 'HTTP' ? AUTH_PORT : GRPC_PORT, where);
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
      gatehouseBackend((at(ext, 'http.backendRefs') as Obj[])[0], AUTH_PORT, where);
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
      assert.equal(spec.service, SERVICE_HOST, where);
      assert.equal(spec.port, grpc ? GRPC_PORT : AUTH_PORT, `${where}: ${p.name} port`);
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
    checkUrl(need(o, 'spec.forwardAuth.address', where), where);
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
    checkUrl(a['nginx.ingress.kubernetes.io/auth-url'], `${where}: auth-url`);
    const signin = new URL(a['nginx.ingress.kubernetes.io/auth-signin']!);
    // on the dedicated listener every path is a check: the sign-in page is served elsewhere
    assert.notEqual(Number(signin.port), AUTH_PORT, `${where}: auth-signin is not the check listener`);
    assert.equal(signin.pathname, '/.gatehouse/login', `${where}: auth-signin is Gatehouse's sign-in`);
    assert.match(a['nginx.ingress.kubernetes.io/auth-response-headers']!, /X-Gatehouse-Assertion/);
    assert.equal(a['nginx.ingress.kubernetes.io/auth-cache-key'], undefined, `${where}: no decision cache`);
    need(o, 'spec.rules', where);
  },
};

describe('deploy/forward-auth examples', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'gatehouse-config.yaml');

  it('the Gatehouse config loads: schema and semantic checks pass, forwardAuth is on', () => {
    assert.ok(GATEHOUSE_CONFIG.ok, GATEHOUSE_CONFIG.ok ? '' : JSON.stringify(GATEHOUSE_CONFIG.problems));
    const fa = GATEHOUSE_CONFIG.config.forwardAuth;
    assert.ok(fa);
    assert.equal(fa.envoyPathPrefix, PREFIX);
    assert.notEqual(fa.leanHttp, false, 'the dedicated listener uses the lean engine');
  });

  it('the config has the ports the README documents: web 8080, dedicated auth 8081, gRPC 9191', () => {
    assert.deepEqual(
      [...LISTENER_PORTS],
      [
        ['web', 8080],
        ['auth', 8081],
      ],
    );
    assert.equal(CONFIG?.forwardAuth?.listener, 'auth');
    assert.equal(AUTH_PORT, 8081);
    assert.equal(GRPC_PORT, 9191);
    // the sign-in round trip is a page, not a check: never on the dedicated listener
    const signIn = CONFIG?.forwardAuth?.signInUrl ?? '';
    if (/^https?:/.test(signIn)) assert.notEqual(Number(new URL(signIn).port), AUTH_PORT, signIn);
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

  it('an HTTP check sent to the ordinary listener (8080) or the gRPC port is caught', () => {
    /** One example object, its check key, and how to point its HTTP check at another port. */
    const cases: [file: string, index: number, kind: string, repoint: (o: Obj, port: number) => void][] = [
      [
        'httproute-external-auth-http.yaml',
        0,
        'gateway.networking.k8s.io/v1/HTTPRoute',
        (o, port) => {
          const filters = ((o.spec as Obj).rules as Obj[])[0]!.filters as Obj[];
          ((filters[0]!.externalAuth as Obj).backendRef as Obj).port = port;
        },
      ],
      [
        'envoy-gateway-securitypolicy.yaml',
        1,
        'gateway.envoyproxy.io/v1alpha1/SecurityPolicy',
        (o, port) => {
          ((at(o, 'spec.extAuth.http.backendRefs') as Obj[])[0] as Obj).port = port;
        },
      ],
      [
        'istio-extension-providers.yaml',
        0,
        'v1/ConfigMap',
        (o, port) => {
          const data = o.data as Obj;
          const mesh = parseYaml(String(data.mesh)) as Obj;
          for (const p of mesh.extensionProviders as Obj[])
            if (p.envoyExtAuthzHttp) (p.envoyExtAuthzHttp as Obj).port = port;
          data.mesh = stringifyYaml(mesh);
        },
      ],
      [
        'traefik-middleware.yaml',
        0,
        'traefik.io/v1alpha1/Middleware',
        (o, port) => {
          const fa = at(o, 'spec.forwardAuth') as Obj;
          const url = new URL(String(fa.address));
          url.port = String(port);
          fa.address = url.href;
        },
      ],
      [
        'ingress-nginx-annotations.yaml',
        0,
        'networking.k8s.io/v1/Ingress',
        (o, port) => {
          const a = at(o, 'metadata.annotations') as Record<string, string>;
          const url = new URL(a['nginx.ingress.kubernetes.io/auth-url']!);
          url.port = String(port);
          a['nginx.ingress.kubernetes.io/auth-url'] = url.href;
        },
      ],
    ];
    for (const [file, index, kind, repoint] of cases) {
      const o = documents(file)[index]!;
      assert.equal(`${o.apiVersion}/${o.kind}`, kind, file);
      CHECKS[kind]!(o, file); // as shipped: passes
      for (const port of [LISTENER_PORTS.get('web')!, GRPC_PORT!]) {
        const broken = structuredClone(o);
        repoint(broken, port);
        assert.throws(() => CHECKS[kind]!(broken, `${file} on ${port}`), /port/, `${file} on ${port}`);
      }
    }
  });

  it('a sign-in URL on the dedicated listener is caught', () => {
    const o = documents('ingress-nginx-annotations.yaml')[0]!;
    const a = at(o, 'metadata.annotations') as Record<string, string>;
    a['nginx.ingress.kubernetes.io/auth-signin'] = `http://${SERVICE_HOST}:${AUTH_PORT}/.gatehouse/login`;
    assert.throws(() => CHECKS['networking.k8s.io/v1/Ingress']!(o, 'broken'), /auth-signin/);
  });
});
