import type { Logger } from 'pino';

/** A govmesh service started in a process: resolved once it is ready, stopped on request. */
export interface RunningService {
  stop(): Promise<void>;
}

/** What a supervisor that started the process over IPC is told once the service is ready. */
export const READY_MESSAGE = { govmesh: 'ready' } as const;

export function isReadyMessage(message: unknown): boolean {
  return (message as { govmesh?: unknown } | null)?.govmesh === READY_MESSAGE.govmesh;
}

/**
 * The whole of a service's `main`: starts it, says so (a log line for people, an IPC message for
 * a supervisor such as `govmesh up`), and stops it on SIGTERM or SIGINT. A start that fails ends
 * the process with one fatal line and exit code 1.
 */
export async function runServiceProcess(
  name: string,
  logger: Logger,
  start: () => Promise<RunningService>,
  details: Record<string, unknown> = {},
): Promise<void> {
  let service: RunningService;
  try {
    service = await start();
  } catch (err) {
    const e = err as { code?: string; message?: string };
    logger.fatal({ err, ...(e.code ? { code: e.code } : {}) }, `${name} could not start: ${e.message ?? String(err)}`);
    process.exit(1);
  }
  logger.info(details, `${name} running`);
  process.send?.(READY_MESSAGE);
  const stop = async (signal: string): Promise<void> => {
    logger.info({ signal }, `${name} stopping`);
    await service.stop();
    logger.info(`${name} stopped`);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  // Started by a supervisor that has gone (its IPC channel closed): stop rather than run orphaned.
  process.once('disconnect', () => void stop('supervisor gone'));
}
