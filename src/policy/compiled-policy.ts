import { publish } from '../observe/index.ts';
import { run } from './engine.ts';
import { EvalContext } from './eval-context.ts';
import { buildTrace, TraceRecorder } from './explain.ts';
import { INTERNAL_ERROR, type PolicyProgram } from './nodes.ts';
import type { CompiledPolicy, PolicyInput, PolicyResult, Trace } from './types.ts';

/**
 * A compiled policy: the program plus the fail-closed shell around the engine. `evaluate`
 * and `explain` share `#decide`, which never throws.
 */
export class Policy implements CompiledPolicy {
  readonly #program: PolicyProgram;
  readonly name: string | undefined;
  readonly pointer: string;
  readonly open: boolean;
  readonly counters = { internalErrors: 0 };

  constructor(program: PolicyProgram, open: boolean) {
    this.#program = program;
    this.name = program.name;
    this.pointer = program.pointer;
    this.open = open;
  }

  evaluate(input: PolicyInput): PolicyResult {
    return this.#decide(input, undefined);
  }

  explain(input: PolicyInput): Trace {
    const recorder = new TraceRecorder();
    const decided = this.#decide(input, recorder);
    return buildTrace(this.#program, decided, recorder, input);
  }

  #decide(input: PolicyInput, recorder: TraceRecorder | undefined): PolicyResult {
    let ctx: EvalContext | undefined;
    try {
      ctx = new EvalContext(input);
      const decided = run(this.#program, ctx, recorder);
      if (ctx.errors > 0) this.#internalError(input, ctx.errorDetail);
      return decided;
    } catch (err) {
      this.#internalError(input, err);
      return INTERNAL_ERROR;
    }
  }

  #internalError(input: PolicyInput, error: unknown): void {
    this.counters.internalErrors++;
    try {
      publish.internalError({
        where: `policy ${this.pointer}`,
        ...(typeof input?.request?.id === 'string' ? { requestId: input.request.id } : {}),
        error,
      });
    } catch {
      // A failing subscriber must not turn a decision into an exception.
    }
  }
}
