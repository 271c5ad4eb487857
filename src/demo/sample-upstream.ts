import http from 'node:http';
import type { AddressInfo } from 'node:net';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A sample upstream for the demo: it shows what it received from Gatehouse — the path, the
 * forwarding headers and every identity header — so a user can see what an app behind
 * Gatehouse gets. Development only.
 */
export async function startSampleUpstream(
  port: number,
  host = '127.0.0.1',
): Promise<{ port: number; close(): void }> {
  const server = http.createServer((req, res) => {
    const identity: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name.startsWith('x-gatehouse-') || name.startsWith('x-forwarded-') || name === 'x-request-id') {
        identity[name] = Array.isArray(value) ? value.join(', ') : String(value);
      }
    }
    const body = {
      app: 'gatehouse sample upstream (development only)',
      method: req.method,
      url: req.url,
      headers: identity,
    };
    if ((req.headers.accept ?? '').includes('text/html')) {
      const rows = Object.entries(identity)
        .map(
          ([k, v]) =>
            `<tr><th scope="row"><code>${escapeHtml(k)}</code></th><td><code>${escapeHtml(v)}</code></td></tr>`,
        )
        .join('\n');
      const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sample upstream</title>
<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:3rem auto;padding:0 1rem}td,th{text-align:left;padding:.2rem .6rem;vertical-align:top}code{word-break:break-all}</style></head>
<body><main><h1>Sample upstream</h1><p><strong>Development only.</strong> This app sits behind Gatehouse and shows what it received.</p>
<p><code>${escapeHtml(req.method ?? '')} ${escapeHtml(req.url ?? '')}</code></p>
<table>${rows}</table></main></body></html>`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`${JSON.stringify(body, null, 2)}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}
