/**
 * @gatehouse/verify: check the signed identity assertion Gatehouse adds to every request it
 * lets through, so a service refuses requests that did not come through Gatehouse.
 */
export {
  type BoundRequest,
  canonicalHost,
  pathHash,
  type RequestBinding,
  requestBinding,
} from './binding.ts';
export { AssertionError, type AssertionErrorCode } from './errors.ts';
export {
  type ExpressLikeNext,
  type ExpressLikeRequest,
  type ExpressLikeResponse,
  gatehouseExpress,
} from './express.ts';
export { type FastifyLikeReply, type FastifyLikeRequest, gatehouseFastify } from './fastify.ts';
export { gatehouseNode, type MiddlewareOptions, verifyRequest } from './node.ts';
export type { RequestLike } from './request.ts';
export {
  ASSERTION_TYPE,
  type AssertionAlgorithm,
  createVerifier,
  DEFAULT_HEADER,
  type Identity,
  MAX_TOKEN_LENGTH,
  type Verifier,
  type VerifierOptions,
} from './verifier.ts';
