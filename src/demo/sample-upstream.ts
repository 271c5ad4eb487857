import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AssertionError, createVerifier } from '../../packages/verify/src/index.ts';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface SampleUpstreamOptions {
  readonly port: number;
  readonly host?: string;
  /** Verify the assertion like a real service would (issuer + audience + Gatehouse's JWKS). */
  readonly verify?: { readonly issuer: string; readonly audience: string; readonly jwksUrl: string };
}

/**
 * A sample upstream for the demo (development only). It verifies the Gatehouse assertion with
 * `@gatehouse/verify`, exactly as a real service would, and shows what it received: the
 * verified identity (or why the assertion was refused), the assertion's claims, and the
 * forwarding headers.
 */
export async function startSampleUpstream(
  options: SampleUpstreamOptions | number,
): Promise<{ port: number; close(): void }> {
  const o = typeof options === 'number' ? { port: options } : options;
  const verifier = o.verify
    ? createVerifier({
        issuer: o.verify.issuer,
        audience: o.verify.audience,
        jwksUrl: o.verify.jwksUrl,
        allowAnonymous: true,
      })
    : undefined;
  const server = http.createServer(async (req, res) => {
    const forwarded: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name.startsWith('x-gatehouse-') || name.startsWith('x-forwarded-') || name === 'x-request-id') {
        forwarded[name] = Array.isArray(value) ? value.join(', ') : String(value);
      }
    }
    const token = req.headers['x-gatehouse-assertion'];
    let verified: Record<string, unknown> | undefined;
    let refused: string | undefined;
    if (verifier) {
      try {
        const host = String(req.headers.host ?? '');
        const id = await verifier.verify(String(token ?? ''), {
          method: req.method ?? 'GET',
          host,
          path: (req.url ?? '/').split('?')[0] ?? '/',
        });
        verified = { ...id };
      } catch (err) {
        refused = err instanceof AssertionError ? err.code : 'error';
      }
    }
    let claims: unknown;
    if (typeof token === 'string') {
      try {
        claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
      } catch {
        claims = undefined;
      }
    }
    const body = {
      app: 'gatehouse sample upstream (development only)',
      method: req.method,
      url: req.url,
      ...(verifier ? (verified ? { verified } : { refused }) : {}),
      ...(claims ? { assertionClaims: claims } : {}),
      headers: forwarded,
    };
    if ((req.headers.accept ?? '').includes('text/html')) {
      const rows = Object.entries(forwarded)
        .map(
          ([k, v]) =>
            `<tr><th scope="row"><code>${escapeHtml(k)}</code></th><td><code>${escapeHtml(v)}</code></td></tr>`,
        )
        .join('\n');
      const status = verifier
        ? verified
          ? `<p class="ok">Verified assertion: <strong>${escapeHtml(String(verified.subject))}</strong> (${escapeHtml(String(verified.kind))}${Array.isArray(verified.groups) && verified.groups.length ? `, groups ${escapeHtml(verified.groups.join(', '))}` : ''})</p>`
          : `<p class="bad">No valid assertion (${escapeHtml(String(refused))}): a real service would refuse this request.</p>`
        : '';
      const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sample upstream (development only)</title>
<style>body{font-family:system-ui,sans-serif;max-width:56rem;margin:3rem auto;padding:0 1rem}td,th{text-align:left;padding:.2rem .6rem;vertical-align:top}th{white-space:nowrap}.ok{border-left:4px solid #1a7f37;padding-left:.6rem}.bad{border-left:4px solid #cf222e;padding-left:.6rem}code,pre{word-break:break-all;white-space:pre-wrap}</style></head>
<body><main><h1>Sample upstream</h1><p><strong>Development only.</strong> This app sits behind Gatehouse and shows what it received.</p>
<p><code>${escapeHtml(req.method ?? '')} ${escapeHtml(req.url ?? '')}</code></p>
${status}
<h2>Assertion claims</h2><pre>${escapeHtml(JSON.stringify(claims ?? null, null, 2))}</pre>
<h2>Headers from Gatehouse</h2><table>${rows}</table>
<p><a href="/.gatehouse/me">/.gatehouse/me</a> · <a href="/.gatehouse/logout">Sign out</a></p></main></body></html>`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`${JSON.stringify(body, null, 2)}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}
