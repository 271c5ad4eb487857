import { ConfigRejectedError, createLogger, Gateway } from '../server/index.ts';
import { engineParts } from '../server/parts.ts';

/**
 * `gatehouse serve -c FILE`: run until SIGTERM/SIGINT (graceful drain, exit 0); SIGHUP and
 * file changes reload the config.
 */
export async function runServe(file: string, err: (s: string) => void): Promise<number> {
  const logger = createLogger();
  let gateway: Gateway;
  try {
    gateway = await Gateway.start({ configFile: file, logger, parts: engineParts() });
  } catch (e) {
    if (e instanceof ConfigRejectedError) {
      err(e.message);
      return 1;
    }
    err(`gatehouse: cannot start: ${(e as Error).message}`);
    return 1;
  }
  process.on('SIGHUP', () => void gateway.reload('signal'));
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ event: 'shutdown', signal }, 'draining in-flight requests');
      gateway.shutdown().then(() => {
        logger.info({ event: 'stopped' }, 'gatehouse stopped');
        resolve(0);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
