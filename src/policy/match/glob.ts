/**
 * Path globs for `path: { glob }` and `spiffeId: { path }`. A pattern is split on `/`; a
 * segment `**` matches any number of segments (zero included), a segment `*` exactly one
 * non-empty segment, and `*` inside a segment (`sa-*`) any characters but `/`.
 *
 * Matching is greedy with one resume point per `**` (the classic wildcard algorithm), so it
 * runs in O(segments x pattern) whatever the input: no regex, no exponential backtracking.
 */

type SegmentMatcher = (segment: string) => boolean;

const ANY_SEGMENTS = Symbol('**');

/** Compile `pattern` into a predicate over paths (both start with `/`). */
export function compileGlob(pattern: string): (path: string) => boolean {
  const segs = pattern.split('/').map((s) => (s === '**' ? ANY_SEGMENTS : segmentMatcher(s)));
  // Groups of single-segment matchers between `**` markers.
  const groups: SegmentMatcher[][] = [[]];
  for (const s of segs) {
    if (s === ANY_SEGMENTS) groups.push([]);
    else groups[groups.length - 1]!.push(s);
  }
  if (groups.length === 1) {
    const only = groups[0]!;
    return (path) => {
      const parts = path.split('/');
      return parts.length === only.length && matchesAt(only, parts, 0);
    };
  }
  const first = groups[0]!;
  const last = groups[groups.length - 1]!;
  const middle = groups.slice(1, -1);
  return (path) => {
    const parts = path.split('/');
    const n = parts.length;
    if (first.length + last.length > n) return false;
    if (!matchesAt(first, parts, 0) || !matchesAt(last, parts, n - last.length)) return false;
    let pos = first.length;
    const end = n - last.length;
    for (const group of middle) {
      let found = -1;
      for (let at = pos; at + group.length <= end; at++) {
        if (matchesAt(group, parts, at)) {
          found = at;
          break;
        }
      }
      if (found < 0) return false;
      pos = found + group.length;
    }
    return true;
  };
}

function matchesAt(group: readonly SegmentMatcher[], parts: readonly string[], at: number): boolean {
  for (let i = 0; i < group.length; i++) if (!group[i]!(parts[at + i]!)) return false;
  return true;
}

function segmentMatcher(pattern: string): SegmentMatcher {
  if (!pattern.includes('*')) return (s) => s === pattern;
  if (pattern === '*') return (s) => s.length > 0;
  const pieces = pattern.split('*');
  const head = pieces[0]!;
  const tail = pieces[pieces.length - 1]!;
  const mids = pieces.slice(1, -1).filter((p) => p.length > 0);
  const minLength = pieces.reduce((n, p) => n + p.length, 0);
  return (s) => {
    if (s.length < minLength || !s.startsWith(head) || !s.endsWith(tail)) return false;
    let pos = head.length;
    const end = s.length - tail.length;
    for (const m of mids) {
      const found = s.indexOf(m, pos);
      if (found < 0 || found + m.length > end) return false;
      pos = found + m.length;
    }
    return true;
  };
}
