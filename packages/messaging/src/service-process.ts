import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Logger } from 'pino';
import { ZodError, prettifyError } from 'zod';

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
 * A supervisor's question to a running service, and its answer. The answer comes from the
 * service's event loop: one held (a loop that never yields, a process stopped) does not answer,
 * though its process runs.
 */
export const ALIVE_QUESTION = { govmesh: 'alive?' } as const;
export const ALIVE_ANSWER = { govmesh: 'alive' } as const;

export function isAliveAnswer(message: unknown): boolean {
  return (message as { govmesh?: unknown } | null)?.govmesh === ALIVE_ANSWER.govmesh;
}

function isAliveQuestion(message: unknown): boolean {
  return (message as { govmesh?: unknown } | null)?.govmesh === ALIVE_QUESTION.govmesh;
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
  options: {
    /** The process's tracing (`@govmesh/telemetry/setup`): said where it exports, flushed on the way out. */
    readonly tracing?: { readonly exportingTo: string | undefined; shutdown(): Promise<void> };
  } = {},
): Promise<void> {
  let service: RunningService;
  try {
    service = await start();
  } catch (err) {
    const e = err as { code?: string; message?: string };
    logger.fatal({ err, ...(e.code ? { code: e.code } : {}) }, `${name} could not start: ${e.message ?? String(err)}`);
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    // A signal while the service stops (a shutdown that hangs, an impatient operator, a SIGTERM
    // after the supervisor went) ends the process at once instead of stopping it twice.
    if (stopping && signal === 'supervisor gone') return;
    if (stopping) {
      logger.warn({ signal }, `${name} stopped before its shutdown finished`);
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, `${name} stopping`);
    await service.stop();
    // The spans still buffered go out before the process does.
    await options.tracing?.shutdown();
    logger.info(`${name} stopped`);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // Started by a supervisor that has gone (its IPC channel closed): stop rather than run orphaned.
  process.once('disconnect', () => void stop('supervisor gone'));
  process.on('message', (message: unknown) => {
    if (isAliveQuestion(message)) process.send?.(ALIVE_ANSWER);
  });
  // Said only now that a signal stops the service: a supervisor may stop it the moment it hears.
  logger.info({ ...details, traces: options.tracing?.exportingTo ?? 'not exported' }, `${name} running`);
  process.send?.(READY_MESSAGE);
}

/** A govmesh service's program: the `govmesh-<name>` bin its package (`services/<name>`) declares. */
export function serviceProgram(root: string, name: string, binName = `govmesh-${name}`): string {
  const dir = join(root, 'services', name);
  const { bin } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const program = bin[binName];
  if (!program) throw new Error(`services/${name}/package.json declares no bin ${binName}`);
  return join(dir, program);
}

/** A service a supervisor started exited, or did not say it was ready, while starting. */
export class ServiceStartFailed extends Error {
  readonly code = 'SERVICE.START_FAILED';
  readonly retriable = false;
}

/**
 * Resolves when a service started with an IPC channel says it is ready; rejects with
 * `ServiceStartFailed` when it exits first or takes longer than `timeoutMs`, naming where to look
 * (`seeAlso`, e.g. its log file).
 */
export function untilReady(child: ChildProcess, name: string, seeAlso: string, timeoutMs = 60_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const slow = setTimeout(
      () => reject(new ServiceStartFailed(`${name} did not start within ${timeoutMs / 1000} s; see ${seeAlso}`)),
      timeoutMs,
    );
    slow.unref();
    const exited = (code: number | null) => {
      clearTimeout(slow);
      reject(new ServiceStartFailed(`${name} exited with ${code ?? 'a signal'} while starting; see ${seeAlso}`));
    };
    child.once('exit', exited);
    child.on('message', (message) => {
      if (!isReadyMessage(message)) return;
      clearTimeout(slow);
      child.off('exit', exited);
      resolve();
    });
  });
}

/**
 * Runs another govmesh program in the foreground (the command line hands `govmesh audit …` and
 * `govmesh up` to the program that owns the work) and resolves with its exit code. The terminal's
 * Ctrl-C reaches both; this process waits for the program to finish its own shutdown, and passes
 * on a SIGTERM sent to it alone.
 */
export function runProgramInForeground(root: string, name: string, args: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [serviceProgram(root, name), ...args], { stdio: 'inherit' });
  const ignoreInterrupt = () => undefined;
  const passOnTerminate = () => child.kill('SIGTERM');
  process.on('SIGINT', ignoreInterrupt);
  process.on('SIGTERM', passOnTerminate);
  return new Promise<number>((resolve, reject) => {
    const done = () => {
      process.off('SIGINT', ignoreInterrupt);
      process.off('SIGTERM', passOnTerminate);
    };
    child.once('error', (err) => {
      done();
      reject(err);
    });
    child.once('exit', (code, signal) => {
      done();
      resolve(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
}

/**
 * What a govmesh command prints when it fails: a typed failure (an error with a `code` and
 * `retriable`, such as an engine that would not start or a service that exited while starting)
 * its message and what to do next, a bad configuration every problem at once, anything else its
 * stack.
 */
export function commandFailureText(err: unknown): string {
  if (err instanceof ZodError) return `govmesh: invalid configuration\n${prettifyError(err)}\n`;
  const typed = err as { code?: unknown; retriable?: unknown; hint?: unknown };
  if (err instanceof Error && typeof typed.code === 'string' && typeof typed.retriable === 'boolean')
    return `govmesh: ${err.message}\n${typeof typed.hint === 'string' ? `  what to do: ${typed.hint}\n` : ''}`;
  return `govmesh: unexpected failure\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`;
}
