import type { AdapterName, ForwardAuthAdapter } from '../adapter.ts';
import type { HeaderView } from '../header-view.ts';
import { caddyAdapter } from './caddy.ts';
import { envoyHttpAdapter } from './envoy-http.ts';
import { nginxAdapter } from './nginx.ts';
import { traefikAdapter } from './traefik.ts';

/** Every forward-auth adapter, registered in this one place. */
export const ADAPTERS: Readonly<Record<AdapterName, ForwardAuthAdapter>> = Object.freeze({
  nginx: nginxAdapter,
  traefik: traefikAdapter,
  caddy: caddyAdapter,
  'envoy-http': envoyHttpAdapter,
});

/** Adapters tried, in order, when the endpoint does not name one (`/.gatehouse/auth`). */
const DETECTION_ORDER: readonly ForwardAuthAdapter[] = [nginxAdapter, traefikAdapter];

/**
 * The adapter whose headers are present. nginx first: configs that send both families
 * (Authelia's nginx snippets) are nginx, and nginx needs the 401 sign-in answer. Descriptions
 * from several families must agree anyway (description.ts), so the order decides only
 * fallbacks and the sign-in style.
 */
export function detectAdapter(headers: HeaderView): ForwardAuthAdapter | undefined {
  return DETECTION_ORDER.find((a) => a.claims(headers));
}
