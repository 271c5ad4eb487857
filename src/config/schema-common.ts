import { z } from 'zod';

/** Milliseconds, a whole non-negative number. 0 means "no limit" where a field says so. */
export const Millis = z.number().int().min(0).max(86_400_000);

/** An IPv4 or IPv6 CIDR (a bare address means a single host). */
export const Cidr = z
  .string()
  .regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'expected an IP address or CIDR such as 10.0.0.0/8 or ::1/128');

export const Timeouts = z.strictObject({
  connectMs: Millis.optional().describe('Upstream TCP/TLS connect timeout in ms (default 5000)'),
  headersMs: Millis.optional().describe(
    'Time to wait for the upstream response headers in ms, counted from when the request is handed to the pool (after the request body, when there is one) (default 30000)',
  ),
  idleMs: Millis.optional().describe('Longest pause in either body stream in ms (default 60000)'),
  totalMs: Millis.optional().describe('Whole exchange limit in ms; 0 disables (default 0)'),
});
export type Timeouts = z.infer<typeof Timeouts>;
