import { request } from 'undici';

/** Fetch the Prometheus text from the admin listener. */
export async function scrapeMetrics(adminUrl: string): Promise<string> {
  const res = await request(`${adminUrl}/metrics`);
  if (res.statusCode !== 200) throw new Error(`metrics answered ${res.statusCode}`);
  return res.body.text();
}

/**
 * The value of one sample: `name{labels}` where every given label matches exactly (other
 * labels may exist). Undefined when no sample matches.
 */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map<string, string>();
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      have.set(l[1]!, l[2]!);
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(m[4]);
  }
  return undefined;
}
