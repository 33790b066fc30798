import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

import { EngineBuildError, type EngineName, type ToolName } from './errors.js';

/** What `up` leaves behind so that `down` stops exactly what it started and `status` can tell. */
export interface PidRecord {
  readonly engine: EngineName;
  readonly pid: number;
  readonly address: string;
  readonly logFile: string;
  readonly startedAt: string;
  /** A word of the process's command line, so a recycled pid is never mistaken for ours. */
  readonly marker: string;
  /** Of an engine that runs as several processes (a three-node Kafka): which one, from 1. */
  readonly node?: number;
}

export function pidFilePath(dataDir: string, engine: EngineName, node = 1): string {
  return join(dataDir, 'run', node === 1 ? `${engine}.json` : `${engine}-${node}.json`);
}

/**
 * The nodes of `engine` that have a pid file in the data folder, whatever its layout is now: a
 * folder that ran three brokers and is now set to one still has the other two's files, and what
 * they name must still be found to be stopped.
 */
export function recordedNodes(dataDir: string, engine: EngineName): number[] {
  let files: string[];
  try {
    files = readdirSync(join(dataDir, 'run'));
  } catch {
    return [];
  }
  const own = new RegExp(`^${engine}(?:-(\\d+))?\\.json$`);
  return files
    .flatMap((file) => {
      const match = own.exec(file);
      return match ? [match[1] === undefined ? 1 : Number(match[1])] : [];
    })
    .sort((a, b) => a - b);
}

export function readPidRecord(dataDir: string, engine: EngineName, node = 1): PidRecord | undefined {
  const file = pidFilePath(dataDir, engine, node);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
}

export function writePidRecord(dataDir: string, record: PidRecord): void {
  const file = pidFilePath(dataDir, record.engine, record.node);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
}

export function removePidRecord(dataDir: string, engine: EngineName, node = 1): void {
  rmSync(pidFilePath(dataDir, engine, node), { force: true });
}

export function isAlive(record: Pick<PidRecord, 'pid' | 'marker'>): boolean {
  try {
    process.kill(record.pid, 0);
  } catch {
    return false;
  }
  if (!existsSync('/proc/self/cmdline')) return true; // no procfs (macOS): the pid check is all we have
  // A process replacing its program (a start script's `exec java`, a wrapper's `exec temporal`)
  // reads as an empty command line for a moment, and a zombie's reads empty for good: ask again
  // until it settles, unless the process has already exited.
  const deadline = Date.now() + 250;
  for (;;) {
    const cmdline = readProcFile(record.pid, 'cmdline');
    if (cmdline === undefined) return false;
    if (cmdline !== '') return cmdline.includes(record.marker);
    const state = exitState(record.pid);
    // Still tearing down its threads, it still holds its ports and files: a start of its
    // successor now would find them taken (a killed broker's port, seen in CI as a failed restart).
    if (state === 'exiting') return true;
    if (state === 'exited' || Date.now() > deadline) return false;
    Atomics.wait(pauseCell, 0, 0, 2);
  }
}

const pauseCell = new Int32Array(new SharedArrayBuffer(4));

function readProcFile(pid: number, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    return undefined;
  }
}

function stateOf(stat: string | undefined): string | undefined {
  return stat?.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

/**
 * A zombie (exited, not yet reaped) still answers signal 0; its state in `stat` says otherwise.
 * Its main thread can be a zombie while its other threads are still being torn down (a killed
 * JVM's hundreds, with its heap to unmap): it is exiting, and holds its files and ports until the
 * last of them is gone.
 */
function exitState(pid: number): 'running' | 'exiting' | 'exited' {
  const leader = stateOf(readProcFile(pid, 'stat'));
  if (leader === undefined) return 'exited';
  if (leader !== 'Z' && leader !== 'X') return 'running';
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 'exited';
  }
  const live = threads.some((tid) => {
    const state = stateOf(readProcFile(pid, `task/${tid}/stat`));
    return state !== undefined && state !== 'Z' && state !== 'X';
  });
  return live ? 'exiting' : 'exited';
}

/** Starts a long-running engine in its own process group, its output appended to `logFile`. */
export function spawnEngine(
  command: string,
  args: readonly string[],
  options: { logFile: string; cwd: string; env: Readonly<Record<string, string | undefined>> },
): number {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/**
 * Sends SIGTERM to the engine's process group, then SIGKILL if it has not gone within `graceMs`.
 * PostgreSQL takes SIGINT: its SIGTERM waits for every client to leave first.
 */
export async function stopEngine(record: PidRecord, graceMs = 20_000): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!isAlive(record)) return 'not-running';
  signalGroup(record.pid, record.engine === 'postgres' ? 'SIGINT' : 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(record)) return 'stopped';
    await sleep(200);
  }
  signalGroup(record.pid, 'SIGKILL');
  while (isAlive(record)) await sleep(100);
  return 'killed';
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Runs a one-off command (mvn, go install, the Kafka storage tool) with its output in `logFile`. */
export function runLogged(
  engine: ToolName,
  command: string,
  args: readonly string[],
  options: { logFile: string; cwd?: string; env: Readonly<Record<string, string | undefined>> },
): Promise<void> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  writeFileSync(options.logFile, `$ ${command} ${args.join(' ')}\n`, { flag: 'a' });
  const fd = openSync(options.logFile, 'a');
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', fd, fd] });
    child.on('error', (err) => {
      closeSync(fd);
      reject(new EngineBuildError(engine, `could not run ${command}: ${err.message}`, options.logFile, err));
    });
    child.on('close', (code) => {
      closeSync(fd);
      if (code === 0) resolve();
      else {
        const tail = tailOf(options.logFile, 15);
        reject(new EngineBuildError(engine, `${command} exited with code ${code}:\n${tail}`, options.logFile));
      }
    });
  });
}

export function tailOf(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
