import type { RequestInfo } from '../model/index.ts';
import type { SsoSettings } from './settings.ts';

/**
 * The externally visible origin of a request (`https://app.example.com[:port]`): the scheme
 * of the listener (https when `forceHttps`), the host, and the port only when the client
 * wrote one in Host and it is not the scheme's default.
 */
export function requestOrigin(info: RequestInfo, s: SsoSettings): string {
  const scheme = s.oidc.forceHttps ? 'https' : info.scheme;
  return `${scheme}://${hostWithPort(info, scheme)}`;
}

/** `host[:port]` as the client addressed it (the port dropped when it is the scheme's default). */
export function hostWithPort(info: RequestInfo, scheme: string = info.scheme): string {
  const raw = info.headers?.host;
  const explicit = typeof raw === 'string' && /:\d+$/.test(raw) && !raw.endsWith(']');
  const defaultPort = scheme === 'https' ? 443 : 80;
  return explicit && info.port !== defaultPort ? `${info.host}:${info.port}` : info.host;
}

/** Whether this request arrived on the configured auth host. */
export function onAuthHost(info: RequestInfo, s: SsoSettings): boolean {
  if (!s.authHost) return true;
  const scheme = s.oidc.forceHttps ? 'https' : info.scheme;
  return hostWithPort(info, scheme) === s.authHost || info.host === s.authHost;
}

/** The origin that runs callbacks: the auth host when configured, else the request's own. */
export function callbackOrigin(info: RequestInfo, s: SsoSettings): string {
  if (!s.authHost) return requestOrigin(info, s);
  const scheme = s.oidc.forceHttps ? 'https' : info.scheme;
  return `${scheme}://${s.authHost}`;
}

/** The URL the request asked for, to come back to after sign-in. */
export function currentUrl(info: RequestInfo, s: SsoSettings): string {
  return `${requestOrigin(info, s)}${info.path}${info.query ? `?${info.query}` : ''}`;
}
