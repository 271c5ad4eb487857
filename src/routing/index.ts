export { type HostResult, parseHost, parseHostValue } from './host.ts';
export { pathHasPrefix } from './path-prefix.ts';
export { buildRouteTable, type RouteEntry, type RouteTable } from './route-table.ts';
export { type NormaliseOptions, normaliseTarget, type TargetResult } from './target.ts';
