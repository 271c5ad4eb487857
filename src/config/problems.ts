/** One problem found in a config file, located by JSON pointer and (when known) line. */
export interface ConfigProblem {
  readonly severity: 'error' | 'warning';
  /** RFC 6901 JSON pointer into the config document, e.g. `/routes/3/match/host`. */
  readonly pointer: string;
  readonly message: string;
  /** 1-based line in the source file, when the pointer resolves to a node. */
  readonly line?: number;
  readonly column?: number;
  /** Stable code for lint warnings (`open-wildcard-route`) or errors (`ERR_CONFIG_SECRET_INLINE`). */
  readonly code?: string;
}

/** Build a JSON pointer from path segments, escaping `~` and `/` (RFC 6901). */
export function toPointer(path: readonly (string | number | symbol)[]): string {
  if (path.length === 0) return '';
  return `/${path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
}

/** Split a JSON pointer back into segments. */
export function fromPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** `file:12: /routes/0/upstream: message` — the form `gatehouse check` prints. */
export function formatProblem(problem: ConfigProblem, file?: string): string {
  const where = [file, problem.line].filter((x) => x !== undefined).join(':');
  const label =
    problem.severity === 'warning' ? `warning${problem.code ? ` [${problem.code}]` : ''}` : 'error';
  return `${where ? `${where}: ` : ''}${label}: ${problem.pointer || '/'}: ${problem.message}`;
}
