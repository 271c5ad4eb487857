import { ConfigRejectedError, createLogger, Gateway } from '../server/index.ts';
import { engineParts } from '../server/parts.ts';

/**
 * `gatehouse serve -c FILE`: run until SIGTERM/SIGINT (graceful drain, exit 0); SIGHUP and
 * file changes reload the config. Signal handlers are installed before start-up, so a signal
 * that arrives while starting is honoured, not fatal.
 */
export async function runServe(file: string, err: (s: string) => void): Promise<number> {
  const logger = createLogger();
  let gateway: Gateway | undefined;
  let stopRequested: string | undefined;
  let reloadRequested = false;
  let onStop: ((signal: string) => void) | undefined;
  const sighup = () => {
    if (gateway) void gateway.reload('signal');
    else reloadRequested = true;
  };
  const stopSignal = (signal: string) => () => {
    if (onStop) onStop(signal);
    else stopRequested = signal;
  };
  const sigterm = stopSignal('SIGTERM');
  const sigint = stopSignal('SIGINT');
  process.on('SIGHUP', sighup);
  process.on('SIGTERM', sigterm);
  process.on('SIGINT', sigint);
  try {
    gateway = await Gateway.start({ configFile: file, logger, parts: engineParts() });
  } catch (e) {
    process.off('SIGHUP', sighup);
    process.off('SIGTERM', sigterm);
    process.off('SIGINT', sigint);
    if (e instanceof ConfigRejectedError) {
      err(e.message);
      return 1;
    }
    err(`gatehouse: cannot start: ${(e as Error).message}`);
    return 1;
  }
  const running = gateway;
  if (reloadRequested) void running.reload('signal');
  return new Promise<number>((resolve) => {
    let stopping = false;
    onStop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ event: 'shutdown', signal }, 'draining in-flight requests');
      running.shutdown().then(() => {
        logger.info({ event: 'stopped' }, 'gatehouse stopped');
        resolve(0);
      });
    };
    if (stopRequested) onStop(stopRequested);
  });
}
