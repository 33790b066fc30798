import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';

import { ALIVE_QUESTION, DEFAULT_PORTS, isAliveAnswer, serviceProgram, untilReady } from '@govmesh/messaging';
import { silences } from '@govmesh/infra';

import { processEnvironment } from './config.js';
import { DEMO_AGENCY_NAMES } from './demo-agencies.js';
import { DEMO_REGISTRY } from './demo-registry.js';

/** The govmesh processes, in the order they start; each tells its supervisor over IPC when ready. */
export const COMPONENTS = [
  { name: 'audit' },
  { name: 'worker' },
  { name: 'bridge' },
  { name: 'api' },
  // The pages: they call the API, so they start after it (and sign people in through its issuer).
  { name: 'web' },
] as const;

/**
 * The demo agencies' systems, one process each (`govmesh-demo-agency`, through the agency SDK),
 * started last: each announces what it offers to the API, which must be up.
 */
export const DEMO_AGENCY_COMPONENTS = [
  // Market regulation's enterprise registry, which the agencies' look-ups ask: it starts first.
  { name: 'registry-enterprise-registry', program: 'govmesh-demo-registry' },
  ...DEMO_AGENCY_NAMES.map((agency) => ({ name: `agency-${agency}`, agency, program: 'govmesh-demo-agency' })),
];

type Component = {
  readonly name: string;
  readonly agency?: string;
  readonly program?: string;
  /** Which copy of a replicated service (from 1), and what it is called: `api-2`. */
  readonly replica?: number;
  readonly service?: (typeof COMPONENTS)[number]['name'];
};

/** The services that run as several processes with `replicas`; the pages and the agencies' systems run once. */
export const REPLICATED = ['audit', 'worker', 'bridge', 'api'] as const;

/** How far apart the replicas' ports are: replica 2 of the API listens on GOVMESH_API_PORT + 10. */
export const REPLICA_PORT_STEP = 10;

/** A replica's own ports: each next one's are REPLICA_PORT_STEP above the one before. */
export function replicaEnv(service: string, replica: number, env: Record<string, string>): Record<string, string> {
  if (replica === 1) return {};
  const shift = (value: string | undefined, fallback: number) =>
    String(Number(value ?? fallback) + REPLICA_PORT_STEP * (replica - 1));
  switch (service) {
    case 'api':
      return { GOVMESH_API_PORT: shift(env.GOVMESH_API_PORT, DEFAULT_PORTS.api) };
    case 'audit': {
      const url = new URL(env.GOVMESH_AUDIT_URL ?? `http://127.0.0.1:${DEFAULT_PORTS.audit}`);
      url.port = shift(url.port, DEFAULT_PORTS.audit);
      return { GOVMESH_AUDIT_URL: url.origin };
    }
    case 'worker':
      return {
        GOVMESH_WORKER_METRICS_PORT: shift(env.GOVMESH_WORKER_METRICS_PORT, DEFAULT_PORTS.workerMetrics),
        GOVMESH_WORKER_SDK_METRICS_PORT: shift(env.GOVMESH_WORKER_SDK_METRICS_PORT, DEFAULT_PORTS.workerSdkMetrics),
      };
    case 'bridge':
      return { GOVMESH_BRIDGE_METRICS_PORT: shift(env.GOVMESH_BRIDGE_METRICS_PORT, DEFAULT_PORTS.bridgeMetrics) };
    default:
      return {};
  }
}

/** A service that exits on its own is started again, unless it keeps failing: this many times a minute. */
const MAX_RESTARTS_PER_MINUTE = 5;

/** The wait before a restart: 1 s, then doubling with each restart within the minute (up to 16 s). */
const RESTART_DELAY_MS = 1_000;

/** A service that exited more often than the supervisor starts it again: the stack cannot serve. */
export class ServiceKeepsExiting extends Error {
  readonly code = 'SERVICE.KEEPS_EXITING';
  readonly retriable = false;
  readonly hint: string;

  constructor(
    readonly service: string,
    times: number,
    logFile: string,
  ) {
    super(`the ${service} service exited ${times} times within a minute; not starting it again`);
    this.hint = `read why in ${logFile}, then start govmesh again`;
  }
}

export interface StackOptions {
  readonly root: string;
  readonly env: Record<string, string>;
  /** What one component gets on top of `env`: its own Kafka principal. */
  readonly envOf?: (component: (typeof COMPONENTS)[number]['name']) => Record<string, string>;
  /** Every component's log, one readable tagged line per entry. */
  readonly logFile: string;
  /** Also told about warnings and errors, and each component starting. */
  readonly onNotice?: (line: string) => void;
  /** Processes of each of audit, worker, bridge and API (default 1), sharing one store and one consumer group. */
  readonly replicas?: number;
  /** Told once a service is no longer started again (it kept exiting): whoever serves should stop. */
  readonly onGaveUp?: (err: ServiceKeepsExiting) => void;
  /** How often each running service is asked whether it is alive (default 15 s). */
  readonly askEveryMs?: number;
  /** How long a service may go without answering before the supervisor says so (default 60 s). */
  readonly silentAfterMs?: number;
  /**
   * How long a service may go without answering before the supervisor stops it and starts it
   * again (default 5 min), as an orchestrator's liveness probe would: no govmesh service holds its
   * event loop that long while working (the longest step, a page of the ledger, takes milliseconds).
   */
  readonly restartSilentAfterMs?: number;
}

export interface PlatformStack {
  /** The process id of each service running now. */
  pids(): Record<string, number>;
  stop(): Promise<void>;
}

/**
 * Libraries' own lines (kafkajs reconnecting, Temporal's "no workflows registered" on an agency's
 * activity-only queue) are transient conditions the services ride out: they go to the log file,
 * and the terminal shows govmesh's own lines. A library's fatal line still shows.
 */
const LIBRARY_COMPONENTS = new Set(['kafkajs', 'temporal']);

export function isLibraryNoise(raw: string): boolean {
  try {
    const entry = JSON.parse(raw) as { component?: unknown; level?: number };
    return LIBRARY_COMPONENTS.has(String(entry.component)) && (entry.level ?? 30) < 60;
  } catch {
    return false;
  }
}

/** A supervisor's own line, in the shape of a service's: `21:04:05 [kafka] ERROR Kafka (pid 4242) exited`. */
export function noticeLine(component: string, level: 'info' | 'WARN' | 'ERROR' | 'FATAL', message: string): string {
  return `${new Date().toISOString().slice(11, 19)} [${component}]${level === 'info' ? '' : ` ${level}`} ${message}`;
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** `12:00:01 [worker] task dispatched caseId=… partnerId=…` from a pino JSON line. */
export function tagged(component: string, raw: string): { text: string; level: number } {
  try {
    const entry = JSON.parse(raw) as Record<string, unknown> & { level?: number; time?: number; msg?: string };
    const { level = 30, time = Date.now(), msg = '', pid: _pid, hostname: _host, name: _name, ...rest } = entry;
    const fields = Object.entries(rest)
      .filter(
        ([k, v]) =>
          k !== 'err' && k !== 'stack' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'),
      )
      .map(([k, v]) => `${k}=${String(v).replace(/\s*\n\s*/g, ' ')}`)
      .join(' ');
    const err = (entry.err as { message?: string } | undefined)?.message;
    const label = level >= 40 ? ` ${LEVELS[level] ?? level}` : '';
    return {
      text: `${new Date(time).toISOString().slice(11, 19)} [${component}]${label} ${msg}${fields ? ` ${fields}` : ''}${err ? ` (${err})` : ''}`,
      level,
    };
  } catch {
    return { text: `${new Date().toISOString().slice(11, 19)} [${component}] ${raw}`, level: 30 };
  }
}

/** Starts every govmesh process from its built main and waits until each is ready. */
export async function startPlatformStack(o: StackOptions): Promise<PlatformStack> {
  mkdirSync(dirname(o.logFile), { recursive: true });
  const log: WriteStream = createWriteStream(o.logFile, { flags: 'a' });
  const children: ChildProcess[] = [];
  const byName = new Map<string, ChildProcess>();
  let stopping = false;
  /** Restarts waiting for their time: a stop cancels them. */
  const pending = new Set<NodeJS.Timeout>();
  const stop = async (): Promise<void> => {
    stopping = true;
    clearInterval(asking);
    for (const timer of pending) clearTimeout(timer);
    for (const child of [...children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await new Promise((resolve) => log.end(resolve));
  };
  const restarts = new Map<string, number[]>();
  /** The running services asked whether they answer, by process, with their names. */
  const asked = new Map<ChildProcess, string>();
  const silent = silences<ChildProcess>({
    silentAfterMs: o.silentAfterMs ?? 60_000,
    restartAfterMs: o.restartSilentAfterMs ?? 300_000,
  });
  /** Services stopped for their silence, with how long they had been silent: their exit says so. */
  const stoppedSilent = new Map<ChildProcess, number>();
  // A service whose event loop is held (a loop that never yields, a process stopped) runs on but
  // does nothing: it is asked over IPC. One silent a while is said and left running, since it may
  // only be busy; one silent far longer than any of its work takes is stopped and started again.
  const asking = setInterval(() => {
    for (const [child, name] of asked) {
      const seconds = silent.overdue(child);
      if (seconds !== undefined)
        o.onNotice?.(
          noticeLine(
            name,
            'ERROR',
            `not answering for ${seconds} s (pid ${child.pid}), though it runs: its event loop is held. ${silent.leftRunning(child.pid)}`,
          ),
        );
      const silentSeconds = silent.restartDue(child);
      if (silentSeconds !== undefined) {
        stoppedSilent.set(child, silentSeconds);
        child.kill('SIGKILL'); // a stopped process takes no other signal
      }
      if (child.connected) child.send(ALIVE_QUESTION, () => undefined);
    }
  }, o.askEveryMs ?? 15_000);

  /** Starts one service and resolves when it says it is ready; restarts it if it exits later. */
  async function launch(component: Component): Promise<void> {
    const program = component.program
      ? serviceProgram(o.root, 'demo', component.program)
      : serviceProgram(o.root, component.service ?? component.name);
    const child = spawn(process.execPath, [program], {
      cwd: o.root,
      env: {
        ...processEnvironment(),
        ...o.env,
        ...(component.agency
          ? {
              GOVMESH_AGENCY: component.agency,
              // The agencies' look-ups go to the enterprise registry this stack runs.
              GOVMESH_REGISTRY_URLS:
                o.env.GOVMESH_REGISTRY_URLS ??
                `${DEMO_REGISTRY.agency}/${DEMO_REGISTRY.registry}=http://127.0.0.1:${o.env.GOVMESH_REGISTRY_PORT ?? DEFAULT_PORTS.registry}`,
            }
          : component.program
            ? {}
            : o.envOf?.(component.service ?? (component.name as (typeof COMPONENTS)[number]['name']))),
        ...replicaEnv(component.service ?? component.name, component.replica ?? 1, o.env),
      },
      // The IPC channel carries the ready signal, and its closing tells the service that this
      // supervisor is gone (it then stops rather than run orphaned).
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // A group of its own: Ctrl-C reaches only this supervisor, which stops the demo crew while
      // the API still answers, then each process in turn (a terminal's SIGINT would stop all at once).
      detached: true,
    });
    children.push(child);
    byName.set(component.name, child);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream! }).on('line', (raw) => {
        const { text, level } = tagged(component.name, raw);
        log.write(`${text}\n`);
        if (level >= 40 && !isLibraryNoise(raw)) o.onNotice?.(text);
      });
    }
    try {
      await untilReady(child, component.name, o.logFile);
    } catch (err) {
      // One that hangs while starting is not left behind its replacement.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      throw err;
    }
    asked.set(child, component.name);
    silent.restart(child);
    child.on('message', (message) => {
      if (!isAliveAnswer(message) || !asked.has(child)) return;
      const again = silent.answered(child);
      if (again) o.onNotice?.(noticeLine(component.name, 'info', again));
    });
    child.once('exit', (code) => {
      asked.delete(child);
      silent.forget(child);
      children.splice(children.indexOf(child), 1);
      const silentSeconds = stoppedSilent.get(child);
      stoppedSilent.delete(child);
      if (stopping) return;
      restartLater(
        component,
        silentSeconds === undefined
          ? `exited with ${code ?? 'a signal'}`
          : `stopped (pid ${child.pid}) after ${silentSeconds} s without an answer`,
      );
    });
    o.onNotice?.(noticeLine(component.name, 'info', 'running'));
  }

  /**
   * Starts a service again after it exited, or after its new start failed (an engine it needs may
   * be starting again itself): each time a little later, and no more than five times a minute.
   */
  function restartLater(component: Component, what: string): void {
    const recent = (restarts.get(component.name) ?? []).filter((t) => Date.now() - t < 60_000);
    if (recent.length >= MAX_RESTARTS_PER_MINUTE) {
      o.onNotice?.(
        noticeLine(
          component.name,
          'FATAL',
          `${what} ${recent.length + 1} times in a minute; not restarting it (see ${o.logFile})`,
        ),
      );
      o.onGaveUp?.(new ServiceKeepsExiting(component.name, recent.length + 1, o.logFile));
      return;
    }
    restarts.set(component.name, [...recent, Date.now()]);
    o.onNotice?.(noticeLine(component.name, 'WARN', `${what}; starting it again`));
    const timer = setTimeout(
      () => {
        pending.delete(timer);
        if (stopping) return;
        launch(component).then(
          () => o.onNotice?.(noticeLine(component.name, 'info', 'running again')),
          (err: unknown) => {
            o.onNotice?.(noticeLine(component.name, 'ERROR', (err as Error).message));
            if (!stopping) restartLater(component, 'failed to start');
          },
        );
      },
      RESTART_DELAY_MS * 2 ** recent.length,
    );
    pending.add(timer);
  }

  try {
    const replicas = o.replicas ?? 1;
    const services = COMPONENTS.flatMap((c): Component[] =>
      (REPLICATED as readonly string[]).includes(c.name)
        ? Array.from({ length: replicas }, (_, i) => ({
            name: i === 0 ? c.name : `${c.name}-${i + 1}`,
            service: c.name,
            replica: i + 1,
          }))
        : [c],
    );
    for (const component of [...services, ...DEMO_AGENCY_COMPONENTS]) await launch(component);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    stop,
    pids: () => Object.fromEntries([...byName].map(([name, child]) => [name, child.pid!])),
  };
}
