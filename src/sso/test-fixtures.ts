/**
 * Shared fixtures for the room's unit tests (imported by tests only): a config with
 * `identity.oidc`, and a request.
 */
import { type Config, loadConfigText } from '../config/index.ts';
import type { RequestInfo } from '../model/index.ts';

export function oidcConfig(oidc = '', extra = ''): Config {
  const text = `listeners: [{ name: web, port: 0 }]
identity:
  oidc:
    issuer: http://127.0.0.1:1
    clientId: gatehouse
    allowInsecureIssuer: true
${oidc
  .split('\n')
  .filter(Boolean)
  .map((l) => `    ${l}`)
  .join('\n')}
routes:
  - { id: app, match: { host: app.example.com, path: / }, upstream: "http://127.0.0.1:1", policy: { allow: [] } }
  - { id: api, match: { host: api.example.com, path: / }, upstream: "http://127.0.0.1:1", policy: { allow: [] } }
${extra}`;
  const loaded = loadConfigText(text);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return loaded.config;
}

export function requestWith(headers: Record<string, string>, over: Partial<RequestInfo> = {}): RequestInfo {
  return {
    id: 'req-1',
    method: 'GET',
    scheme: 'https',
    host: 'app.example.com',
    port: 443,
    path: '/x',
    query: '',
    headers,
    peerAddress: '127.0.0.1',
    clientAddress: '127.0.0.1',
    listener: 'web',
    ...over,
  };
}
