export { type AdminRoute, startAdmin } from './admin.ts';
export { authorizeAdminWrite } from './admin-auth.ts';
export { ConfigRejectedError, Gateway, type GatewayOptions } from './gateway.ts';
export { createLogger, describeError } from './log.ts';
export type { ReservedHandler } from './reserved.ts';
