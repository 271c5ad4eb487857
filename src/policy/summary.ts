/**
 * A short, one-line rendering of a configured criterion argument for traces and messages:
 * `{anyOf: [engineering, sre]}`, `[GET, HEAD]`. Long lists are cut (`… +12 more`). Only
 * config values are summarised, never request data.
 */

const MAX_ITEMS = 6;
const MAX_CHARS = 160;

export function summarize(value: unknown): string {
  const s = render(value, 0);
  return s.length > MAX_CHARS ? `${s.slice(0, MAX_CHARS - 1)}…` : s;
}

function render(value: unknown, depth: number): string {
  if (typeof value === 'string') return /^[\w.@:/*+~-]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value !== 'object' || value === null) return String(value);
  if (depth > 3) return '…';
  if (Array.isArray(value)) {
    const shown = value.slice(0, MAX_ITEMS).map((v) => render(v, depth + 1));
    if (value.length > MAX_ITEMS) shown.push(`… +${value.length - MAX_ITEMS} more`);
    return `[${shown.join(', ')}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${k}: ${render(v, depth + 1)}`).join(', ')}}`;
}
