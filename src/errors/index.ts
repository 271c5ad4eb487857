export { ERRORS, type ErrorCode } from './catalogue.ts';
export { GatehouseError, isGatehouseError } from './gatehouse-error.ts';
