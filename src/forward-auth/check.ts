import type { IncomingHttpHeaders } from 'node:http';
import { decide, type Verdict } from '../decision/index.ts';
import type { RequestInfo } from '../model/index.ts';
import { publish } from '../observe/index.ts';
import type { OriginalRequest } from './adapter.ts';
import { type Answer, answerFor, type Propagate, refusal } from './answer.ts';
import { type CheckContext, partialInfo, toRequestInfo } from './original-request.ts';
import type { ForwardAuthRuntime } from './runtime.ts';
import { attachSourcePrincipal } from './source-principal.ts';

export interface CheckInput {
  readonly rt: ForwardAuthRuntime;
  readonly original: OriginalRequest;
  /** The original request's headers as the peer passed them on. */
  readonly headers: IncomingHttpHeaders;
  /** The same as sent, `[name, value, …]`, when known: policy sees repeats and `_` spellings. */
  readonly rawHeaders?: readonly string[];
  readonly context: CheckContext;
  readonly browserSignIn: 401 | 302;
  readonly propagate: Propagate;
  readonly nowSeconds: number;
  /** ext_authz: the gateway-verified caller identity, when the gateway is trusted with it. */
  readonly sourcePrincipal?: string;
}

export interface Checked {
  /** The normalised original request (partial when it could not be rebuilt). */
  readonly info: RequestInfo;
  readonly answer: Answer;
}

const INTERNAL: Verdict = Object.freeze({
  decision: Object.freeze({ outcome: 'deny', mode: 'enforce', reasons: Object.freeze(['internal-error']) }),
}) as Verdict;

/**
 * One check, shared by every HTTP adapter and the ext_authz service: normalise the original
 * request with the proxy's rules, then exactly `decide()`, then the answer. Synchronous when
 * `decide()` is (public routes, cached credentials). Never throws or rejects.
 */
export function check(input: CheckInput): Checked | Promise<Checked> {
  const built = toRequestInfo(input.original, input.headers, input.context, input.rawHeaders);
  if (!built.ok) {
    const info = partialInfo(input.context, input.original.method, input.headers);
    return { info, answer: refusal(built.reason, info.id, accept(input.headers), built.detail) };
  }
  const info = built.info;
  if (input.sourcePrincipal) attachSourcePrincipal(info, input.sourcePrincipal);
  let verdict: Verdict | Promise<Verdict>;
  try {
    verdict = decide(input.rt.engine, info, input.nowSeconds);
  } catch (err) {
    publish.internalError({ where: 'forward-auth.decide', requestId: info.id, error: err });
    verdict = INTERNAL;
  }
  const answer = (v: Verdict): Checked => ({
    info,
    answer: answerFor(v, info, {
      rt: input.rt,
      browserSignIn: input.browserSignIn,
      propagate: input.propagate,
      nowSeconds: input.nowSeconds,
    }),
  });
  if (verdict instanceof Promise) {
    return verdict.then(answer, (err: unknown) => {
      publish.internalError({ where: 'forward-auth.decide', requestId: info.id, error: err });
      return answer(INTERNAL);
    });
  }
  return answer(verdict);
}

function accept(headers: IncomingHttpHeaders): string | undefined {
  return typeof headers.accept === 'string' ? headers.accept : undefined;
}
