import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSampleUpstream } from '../demo/index.ts';
import { runServe } from './serve.ts';

/**
 * `gatehouse demo`: a sample upstream and Gatehouse in front of it, on loopback.
 * Ports: GATEHOUSE_DEMO_PORT (default 8080), admin 9901, upstream 9080.
 */
export async function runDemo(out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const port = Number(process.env.GATEHOUSE_DEMO_PORT ?? 8080);
  const adminPort = Number(process.env.GATEHOUSE_DEMO_ADMIN_PORT ?? 9901);
  const upstream = await startSampleUpstream(Number(process.env.GATEHOUSE_DEMO_UPSTREAM_PORT ?? 9080));
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-demo-'));
  const file = join(dir, 'gatehouse.yaml');
  writeFileSync(
    file,
    `# Gatehouse demo config (development only)
listeners:
  - name: web
    address: 127.0.0.1
    port: ${port}
admin:
  address: 127.0.0.1
  port: ${adminPort}
routes:
  - id: app
    match: { host: "*", path: / }
    upstream: http://127.0.0.1:${upstream.port}
    public: true
  - id: admin
    match: { host: "*", path: /admin }
    upstream: http://127.0.0.1:${upstream.port}
audit:
  output: { file: ${join(dir, 'audit.log')} }
`,
  );
  out(`Gatehouse demo (development only)
  app (public):        http://localhost:${port}/
  admin (denied):      http://localhost:${port}/admin
  health:              http://127.0.0.1:${adminPort}/readyz
  metrics:             http://127.0.0.1:${adminPort}/metrics
  config:              ${file}   (edit it: Gatehouse reloads on save)
  audit log:           ${join(dir, 'audit.log')}
Press Ctrl-C to stop.`);
  const code = await runServe(file, err);
  upstream.close();
  return code;
}
