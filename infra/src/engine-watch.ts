import type { InfraConfig } from './config.js';
import { isAlive, readPidRecord } from './engine-process.js';
import { engineAnswers, engineUp, kafkaNodesUp, type InfraStatus } from './engines.js';
import { InfraError, engineTitle, type EngineName } from './errors.js';
import { kafkaNodes } from './kafka.js';
import { silentProgress, type Progress } from './progress.js';
import { silences } from './silence.js';

/** What the watch tells whoever runs the platform on these engines. */
export type EngineWatchEvent =
  /** The engine's process (a node of it, for a Kafka cluster) is gone; it is started again unless `gave-up` follows. */
  | { readonly kind: 'lost'; readonly engine: EngineName; readonly node?: number; readonly message: string }
  | { readonly kind: 'restarted'; readonly engine: EngineName; readonly node?: number; readonly message: string }
  /** A start that failed: it counts as a restart, and the next look tries again. */
  | { readonly kind: 'restart-failed'; readonly engine: EngineName; readonly message: string; readonly error: unknown }
  /**
   * Its process runs but has not answered for `silentAfterMs`: said once, and left running (it may
   * only be slow); stopping it has the watch start it again.
   */
  | { readonly kind: 'not-answering'; readonly engine: EngineName; readonly node?: number; readonly message: string }
  /**
   * Silent for `restartSilentAfterMs`: its process is stopped, and the next look starts it again
   * (a `lost` and a `restarted` follow, and the restart counts toward `maxRestarts`).
   */
  | { readonly kind: 'stopped-silent'; readonly engine: EngineName; readonly node?: number; readonly message: string }
  /** It answers again after a `not-answering`. */
  | { readonly kind: 'answering'; readonly engine: EngineName; readonly node?: number; readonly message: string }
  /** The engine exited too often: it is no longer started again, and the platform cannot serve. */
  | { readonly kind: 'gave-up'; readonly engine: EngineName; readonly message: string; readonly error: EngineLost };

export interface EngineWatchOptions {
  readonly onEvent: (event: EngineWatchEvent) => void;
  /** The restarts' own progress lines (fetching nothing, starting, ready). */
  readonly progress?: Progress;
  /** How often each engine's process is looked at (default 2 s). */
  readonly intervalMs?: number;
  /** Restarts allowed within `windowMs` before the watch gives an engine up (default 3 in 10 minutes). */
  readonly maxRestarts?: number;
  readonly windowMs?: number;
  /** How often an engine whose process runs is asked for an answer (default 15 s). */
  readonly probeEveryMs?: number;
  /** How long it may go without answering before the watch says so (default 60 s). */
  readonly silentAfterMs?: number;
  /**
   * How long it may go without answering before the watch stops its process and starts it again
   * (default 5 min): past a long collection or a slow disk, an engine that has answered nothing
   * for that long is wedged, and only a new start serves again.
   */
  readonly restartSilentAfterMs?: number;
}

export interface EngineWatch {
  /** Stops watching, after a restart under way has finished: call it before stopping the engines. */
  stop(): Promise<void>;
}

/** An engine that keeps exiting: the platform on it stops rather than serve without it. */
export class EngineLost extends InfraError {
  constructor(
    readonly engine: EngineName,
    message: string,
    logFile: string | undefined,
  ) {
    super('INFRA.ENGINE_LOST', message, {
      hint: `read why in ${logFile ?? 'its log'}, then start govmesh again`,
    });
  }
}

/**
 * Watches the engines govmesh runs on this machine (`embedded` in `status`; an external engine is
 * its operator's) and starts one again when its process is gone, as the supervisor does for a
 * service: the services ride out the gap (their Kafka and Temporal clients reconnect) and carry on
 * once it is back. A Kafka cluster that lost a node gets that node back while the others serve.
 * An engine that exits more than `maxRestarts` times within `windowMs` is given up.
 */
export function watchEngines(config: InfraConfig, status: Partial<InfraStatus>, o: EngineWatchOptions): EngineWatch {
  const intervalMs = o.intervalMs ?? 2_000;
  const maxRestarts = o.maxRestarts ?? 3;
  const windowMs = o.windowMs ?? 10 * 60_000;
  const progress = o.progress ?? silentProgress;
  const watched = [status.kafka, status.temporal, status.zipkin, status.postgres]
    .filter((s) => s !== undefined && s.mode === 'embedded' && s.state === 'running')
    .map((s) => s!.engine);
  const probeEveryMs = o.probeEveryMs ?? 15_000;
  const restarts = new Map<EngineName, number[]>();
  /** By engine and node (`kafka/2`): counted from the watch's start, or its last answer. */
  const silent = silences<string>({
    silentAfterMs: o.silentAfterMs ?? 60_000,
    restartAfterMs: o.restartSilentAfterMs ?? 5 * 60_000,
  });
  let probedAt = Date.now();
  const givenUp = new Set<EngineName>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let looking: Promise<void> = Promise.resolve();

  /** The nodes of an engine whose process is gone (a missing pid file counts: nothing would stop it). */
  const lostNodes = (engine: EngineName): Array<{ node: number; pid?: number; logFile?: string }> =>
    (engine === 'kafka' ? kafkaNodes(config).map((n) => n.id) : [1]).flatMap((node) => {
      const record = readPidRecord(config.dataDir, engine, node);
      if (record && isAlive(record)) return [];
      return [{ node, ...(record ? { pid: record.pid, logFile: record.logFile } : {}) }];
    });

  const nodesOf = (engine: EngineName): number[] => (engine === 'kafka' ? kafkaNodes(config).map((n) => n.id) : [1]);

  /** Asks each engine whose processes all run; says once when one stays silent, and when it answers again. */
  async function probe(engine: EngineName): Promise<void> {
    const title = engineTitle(engine);
    const cluster = engine === 'kafka' && config.kafka.nodes > 1;
    for (const node of nodesOf(engine)) {
      if (stopped) return;
      const key = `${engine}/${node}`;
      const named = `${title}${cluster ? ` node ${node}` : ''}`;
      if (await engineAnswers(config, engine, node)) {
        const again = silent.answered(key);
        if (again) o.onEvent({ kind: 'answering', engine, ...(cluster ? { node } : {}), message: `${named} ${again}` });
        continue;
      }
      const record = readPidRecord(config.dataDir, engine, node);
      const pid = record ? ` (pid ${record.pid})` : '';
      const silentSeconds = record ? silent.restartDue(key) : undefined;
      if (record && silentSeconds !== undefined) {
        // SIGKILL: a stopped or wedged process takes no other signal. The next look finds it gone
        // and starts it again from its data, as for one that exited.
        try {
          process.kill(record.pid, 'SIGKILL');
        } catch {
          // gone meanwhile: the next look finds it so either way
        }
        silent.restart(key);
        o.onEvent({
          kind: 'stopped-silent',
          engine,
          ...(cluster ? { node } : {}),
          message: `${named}${pid} has not answered for ${silentSeconds} s: stopped, to be started again`,
        });
        continue;
      }
      const seconds = silent.overdue(key);
      if (seconds === undefined) continue;
      o.onEvent({
        kind: 'not-answering',
        engine,
        ...(cluster ? { node } : {}),
        message:
          `${named}${pid} runs but has not answered for ${seconds} s` +
          `${record ? `; its log: ${record.logFile}` : ''}. ${silent.leftRunning(record?.pid)}`,
      });
    }
  }

  /** Each engine's processes, and (`probing`) whether those that run answer. */
  async function look(probing: boolean): Promise<void> {
    for (const engine of watched) {
      if (stopped || givenUp.has(engine)) continue;
      const lost = lostNodes(engine);
      if (lost.length === 0) {
        if (probing) await probe(engine);
        continue;
      }
      // A node found gone is no longer silent: it is started again, and its silence counted anew.
      for (const { node } of lost) silent.restart(`${engine}/${node}`);
      const title = engineTitle(engine);
      const cluster = engine === 'kafka' && config.kafka.nodes > 1;
      const logFile = lost[0]!.logFile;
      for (const { node, pid, logFile: log } of lost)
        o.onEvent({
          kind: 'lost',
          engine,
          ...(cluster ? { node } : {}),
          message: `${title}${cluster ? ` node ${node}` : ''}${pid ? ` (pid ${pid})` : ''} exited${log ? `; its log: ${log}` : ''}`,
        });
      const recent = (restarts.get(engine) ?? []).filter((t) => Date.now() - t < windowMs);
      if (recent.length >= maxRestarts) {
        givenUp.add(engine);
        const message = `${title} exited ${recent.length + 1} times within ${Math.round(windowMs / 60_000)} minutes; not starting it again`;
        o.onEvent({ kind: 'gave-up', engine, message, error: new EngineLost(engine, message, logFile) });
        continue;
      }
      restarts.set(engine, [...recent, Date.now()]);
      const started = Date.now();
      const some = cluster && lost.length < config.kafka.nodes;
      try {
        if (some)
          await kafkaNodesUp(
            config,
            lost.map((l) => l.node),
            progress,
          );
        else await engineUp(config, engine, progress);
        const after = ((Date.now() - started) / 1000).toFixed(1);
        const now = readPidRecord(config.dataDir, engine, lost[0]!.node);
        o.onEvent({
          kind: 'restarted',
          engine,
          ...(some ? { node: lost[0]!.node } : {}),
          message: `${title}${some ? ` node ${lost.map((l) => l.node).join(', ')}` : ''} is running again${now ? ` (pid ${now.pid})` : ''}, ${after} s after it was found gone`,
        });
      } catch (error) {
        o.onEvent({
          kind: 'restart-failed',
          engine,
          error,
          message: `${title} did not start again: ${(error as Error).message}`,
        });
      }
    }
  }

  const next = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      const probing = Date.now() - probedAt >= probeEveryMs;
      looking = look(probing).finally(() => {
        if (probing) probedAt = Date.now();
        next();
      });
    }, intervalMs);
  };
  next();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await looking;
    },
  };
}
