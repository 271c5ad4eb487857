import type { ASTNode } from '@marcbachmann/cel-js';
import { regexSafetyProblem } from '../match/safe-regex.ts';

/**
 * Checks on a parsed expression that the CEL library does not make: the work an expression
 * may do at request time is bounded at load.
 * - `matches()` takes a literal pattern that passes the policy regex rules (no ReDoS).
 * - Comprehensions (exists, all, map, filter…) nest at most `maxComprehensionDepth` deep.
 */

const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

export interface AstFacts {
  /** The expression reads `principal`. */
  readonly referencesPrincipal: boolean;
}

/** Walk the AST; return a problem message, or the facts the compiler needs. */
export function checkAst(root: ASTNode, maxComprehensionDepth: number): { problem: string } | AstFacts {
  let referencesPrincipal = false;
  let problem: string | undefined;

  const visit = (node: unknown, depth: number): void => {
    if (problem || !isNode(node)) return;
    switch (node.op) {
      case 'id':
        if (node.args === 'principal') referencesPrincipal = true;
        return;
      case 'value':
        return;
      case 'rcall': {
        const [name, receiver, args] = node.args;
        let inner = depth;
        if (COMPREHENSIONS.has(name) && args.length >= 2) {
          inner = depth + 1;
          if (inner > maxComprehensionDepth) {
            problem = `comprehensions nest more than ${maxComprehensionDepth} deep (${name})`;
            return;
          }
        }
        if (name === 'matches') checkPattern(args[0]);
        visit(receiver, depth);
        for (const a of args) visit(a, inner);
        return;
      }
      case 'call': {
        const [name, args] = node.args;
        if (name === 'matches') checkPattern(args[1]);
        for (const a of args) visit(a, depth);
        return;
      }
      default:
        visitChildren(node.args, depth);
    }
  };

  const visitChildren = (args: unknown, depth: number): void => {
    if (Array.isArray(args))
      for (const a of args) Array.isArray(a) ? visitChildren(a, depth) : visit(a, depth);
    else visit(args, depth);
  };

  const checkPattern = (arg: ASTNode | undefined): void => {
    if (arg?.op !== 'value' || typeof arg.args !== 'string') {
      problem ??= 'matches() needs a literal pattern string so it can be checked when the policy loads';
      return;
    }
    const p = regexSafetyProblem(arg.args);
    if (p) problem ??= `matches(${JSON.stringify(arg.args)}): ${p}`;
  };

  visit(root, 0);
  return problem ? { problem } : { referencesPrincipal };
}

function isNode(n: unknown): n is ASTNode {
  return typeof n === 'object' && n !== null && 'op' in n && 'args' in n;
}
