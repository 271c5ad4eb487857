import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGatehouse } from '../lib/gatehouse.ts';
import { benchIssuer } from '../lib/jwt.ts';
import { freePort, httpGet, waitForHttp } from '../lib/net.ts';
import { startNodeService } from '../lib/services.ts';
import { type BenchContext, type Scenario, skip } from '../lib/types.ts';
import { findExecutable } from '../lib/which.ts';
import { nginxConfig } from './nginx-proxy-pass.ts';

/** Host of the protected app; sent as the Host header. */
const HOST = 'app.bench.test';

/**
 * nginx `auth_request` to Gatehouse's `/.gatehouse/auth/nginx` (keep-alive to both Gatehouse
 * and the upstream), copying the assertion and claim header upstream: the config
 * docs/forward-auth.md shows.
 */
export function nginxForwardAuthConfig(o: {
  prefix: string;
  port: number;
  upstreamPort: number;
  gatehousePort: number;
}): string {
  return nginxConfig({
    prefix: o.prefix,
    port: o.port,
    upstreamPort: o.upstreamPort,
    upstreams: `  map "$host $http_host" $gatehouse_host_mismatch {
    "~*^(\\S+) \\1(:[0-9]+)?$" 0;
    default 1;
  }
  upstream gatehouse {
    server 127.0.0.1:${o.gatehousePort};
    keepalive 64;
    keepalive_requests 1000000;
  }
`,
    locations: `    if ($gatehouse_host_mismatch) { return 400; }
    location / {
      auth_request /.gatehouse-check;
      auth_request_set $gatehouse_assertion $upstream_http_x_gatehouse_assertion;
      auth_request_set $gatehouse_user $upstream_http_x_gatehouse_user;
      proxy_set_header X-Gatehouse-Assertion $gatehouse_assertion;
      proxy_set_header X-Gatehouse-User $gatehouse_user;
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
    location = /.gatehouse-check {
      internal;
      proxy_pass http://gatehouse/.gatehouse/auth/nginx;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }`,
  });
}

/** Start nginx with the forward-auth config in front of the upstream and `authorizerPort`. */
async function startNginxForwardAuth(
  ctx: BenchContext,
  name: string,
  authorizerPort: number,
): Promise<string> {
  const nginx = findExecutable('nginx');
  if (!nginx) skip('nginx not installed (apt-get install nginx-light)');
  const upstream = await ctx.upstream();
  const port = await freePort();
  const prefix = join(ctx.tmpDir, name);
  mkdirSync(prefix, { recursive: true });
  const confFile = join(prefix, 'nginx.conf');
  writeFileSync(
    confFile,
    nginxForwardAuthConfig({ prefix, port, upstreamPort: upstream.port, gatehousePort: authorizerPort }),
  );
  ctx.scope.start({
    name: 'nginx',
    command: nginx,
    args: ['-p', prefix, '-e', join(prefix, 'nginx-error.log'), '-c', confFile],
    cwd: prefix,
    logFile: join(prefix, 'nginx-stdio.log'),
  });
  return `http://127.0.0.1:${port}/`;
}

/**
 * The same nginx in front of an authorizer that does nothing: the ceiling a Node
 * forward-auth service can reach here, to read Gatehouse's figure against. `script` is
 * servers/noop-authorizer.ts (node:http) or servers/noop-authorizer-raw.ts (a bare socket).
 */
function nginxForwardAuthNoopScenario(name: string, script: string, what: string): Scenario {
  return {
    name,
    baseline: 'nginx-proxy-pass',
    description: `nginx auth_request -> ${what} that answers 200 without any logic -> upstream: a floor.`,
    async run(ctx) {
      if (!findExecutable('nginx')) skip('nginx not installed (apt-get install nginx-light)');
      const authorizerPort = await freePort();
      await startNodeService(ctx.scope, {
        name,
        script,
        args: [String(authorizerPort)],
        logDir: ctx.tmpDir,
        readyUrl: `http://127.0.0.1:${authorizerPort}/`,
      });
      const url = await startNginxForwardAuth(ctx, name, authorizerPort);
      if (!(await waitForHttp(url, { host: HOST, timeoutMs: 10_000 })))
        skip(`nginx + ${what} never answered 200`);
      // the same request as nginx-forward-auth-jwt: a bearer token nginx passes on (and nobody checks)
      const token = benchIssuer(ctx.tmpDir).token();
      return ctx.measureHttp({ url, host: HOST, headers: { authorization: `Bearer ${token}` } });
    },
  };
}

export const nginxForwardAuthNoop = nginxForwardAuthNoopScenario(
  'nginx-forward-auth-noop',
  'servers/noop-authorizer.ts',
  'a node:http authorizer',
);
export const nginxForwardAuthNoopRaw = nginxForwardAuthNoopScenario(
  'nginx-forward-auth-noop-raw',
  'servers/noop-authorizer-raw.ts',
  'a bare-socket authorizer',
);

/**
 * nginx + Gatehouse forward-auth with a bearer JWT on every request (verified, cached after
 * the first), a policy on the subject, and the signed assertion copied upstream; against
 * nginx proxy_pass alone. `dedicated`: the checks go to a listener given to forward-auth
 * (`forwardAuth.listener`, served by the lean HTTP engine), as docs/forward-auth.md
 * recommends; otherwise to the reserved path on an ordinary proxy listener (node:http).
 */
function nginxForwardAuthJwtScenario(name: string, dedicated: boolean): Scenario {
  return {
    name,
    baseline: 'nginx-proxy-pass',
    description: dedicated
      ? 'nginx auth_request -> Gatehouse dedicated forward-auth listener (bearer JWT, policy, assertion) -> upstream, vs nginx proxy_pass alone.'
      : 'The same with the checks sent to /.gatehouse/auth/nginx on an ordinary proxy listener (node:http).',
    ...(dedicated ? { target: { minRatio: 0.5 } } : {}),
    async run(ctx) {
      if (!findExecutable('nginx')) skip('nginx not installed (apt-get install nginx-light)');
      const issuer = benchIssuer(ctx.tmpDir);
      const gatehouse = await startGatehouse(
        ctx,
        [
          {
            id: 'bench-app',
            match: { host: HOST, path: '/' },
            policy: { allow: [{ id: 'bench', subject: 'bench-client' }] },
            assertion: { audience: 'https://app.bench.test', headers: { user: 'X-Gatehouse-User' } },
          },
        ],
        {
          extra: {
            identity: { jwt: [issuer.config] },
            assertion: { issuer: 'https://gatehouse.bench.test' },
            forwardAuth: { trustedProxies: ['127.0.0.1/32'], ...(dedicated ? { listener: 'bench' } : {}) },
          },
        },
      );
      const gatehousePort = Number(new URL(gatehouse.baseUrl).port);
      const url = await startNginxForwardAuth(ctx, name, gatehousePort);
      // Without a token the answer is 401: proves the check is enforced before measuring.
      const ready = await waitForHttp(url, { host: HOST, expectStatus: 401, timeoutMs: 10_000 });
      if (!ready) skip('nginx + forward-auth never answered 401 without a token');
      const denied = await httpGet(url, {
        host: HOST,
        headers: { authorization: `Bearer ${issuer.token('someone-else')}` },
      });
      if (denied.status !== 403) skip(`a token for another subject answered ${denied.status}, not 403`);
      ctx.log('  forward-auth enforced: no token 401, other subject 403');
      return ctx.measureHttp({ url, host: HOST, headers: { authorization: `Bearer ${issuer.token()}` } });
    },
  };
}

export const nginxForwardAuthJwt = nginxForwardAuthJwtScenario('nginx-forward-auth-jwt', true);
export const nginxForwardAuthJwtShared = nginxForwardAuthJwtScenario('nginx-forward-auth-jwt-shared', false);
