/**
 * RFC 3986 §5.2.4 dot-segment removal for an absolute path (starts with `/`), written as a
 * segment stack: `..` removes the previous segment (an empty one too, as the RFC's output
 * buffer does) and never climbs above the root. A `.` or `..` in last place leaves a
 * trailing slash, as in the RFC (`/a/b/..` -> `/a/`).
 */
export function removeDotSegments(path: string): string {
  if (!hasDotSegment(path)) return path;
  const input = path.split('/');
  const out: string[] = [];
  // input[0] is the empty string before the leading slash.
  for (let i = 1; i < input.length; i++) {
    const seg = input[i]!;
    const last = i === input.length - 1;
    if (seg === '.' || seg === '..') {
      if (seg === '..') out.pop();
      if (last) out.push('');
    } else {
      out.push(seg);
    }
  }
  return '/' + out.join('/');
}

/** Whether some segment is `.` or `..` (a `/` then one or two dots, then `/` or the end). */
function hasDotSegment(path: string): boolean {
  for (let at = path.indexOf('/.'); at !== -1; at = path.indexOf('/.', at + 1)) {
    let end = at + 2;
    if (path.charCodeAt(end) === 0x2e) end++;
    if (end === path.length || path.charCodeAt(end) === 0x2f) return true;
  }
  return false;
}

/** Collapse each run of slashes into one (`//a///b` -> `/a/b`). */
export function mergeSlashes(path: string): string {
  return path.includes('//') ? path.replace(/\/{2,}/g, '/') : path;
}
