import diagnosticsChannel from 'node:diagnostics_channel';

/**
 * Resolve with the next message published on a diagnostics channel that satisfies
 * `predicate`. Rejects after `timeoutMs` (a bound on a wait for an event, not a sleep).
 * Subscribe before triggering the action that publishes.
 */
export function nextEvent<T>(
  channel: string,
  predicate: (message: T) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (!predicate(message as T)) return;
      cleanup();
      resolve(message as T);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no matching event on ${channel} within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      diagnosticsChannel.unsubscribe(channel, onMessage);
    };
    diagnosticsChannel.subscribe(channel, onMessage);
  });
}
