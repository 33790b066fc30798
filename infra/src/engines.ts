import type { InfraConfig } from './config.js';
import {
  isAlive,
  readPidRecord,
  recordedNodes,
  removePidRecord,
  stopEngine,
  type PidRecord,
} from './engine-process.js';
import { engineTitle, type EngineName } from './errors.js';
import { assertKafkaLayout, kafkaNodes, prepareKafka, startKafka, waitForKafka } from './kafka.js';
import {
  adminSecretExists,
  assertPlatformUsers,
  platformCredentials,
  provisionEmbeddedKafka,
} from './kafka-principals.js';
import { silentProgress, type Progress } from './progress.js';
import { preparePostgres, startPostgres, waitForPostgres } from './postgres.js';
import { prepareTemporal, startTemporal, waitForTemporal } from './temporal.js';
import {
  describeOrRegisterNamespace,
  prepareTemporalServer,
  setupTemporalSchema,
  startTemporalServer,
} from './temporal-server.js';
import { prepareZipkin, startZipkin, waitForZipkin } from './zipkin.js';

export interface EngineStatus {
  readonly engine: EngineName;
  /** `embedded`: started by govmesh on loopback; `external`: named by KAFKA_BROKERS / TEMPORAL_ADDRESS. */
  readonly mode: 'embedded' | 'external';
  readonly state: 'running' | 'stopped' | 'unreachable';
  readonly address: string;
  readonly pid?: number;
  readonly logFile?: string;
  readonly uiUrl?: string;
  /** True when this call started the process (so whoever called `up` may stop it again). */
  readonly startedNow: boolean;
}

export interface InfraStatus {
  readonly kafka: EngineStatus;
  readonly temporal: EngineStatus;
  /** The trace viewer, when `--tracing` started it (or it still runs from an earlier `up --tracing`). */
  readonly zipkin?: EngineStatus;
  /** govmesh's own state on PostgreSQL, when `--postgres` started it (or GOVMESH_DATABASE_URL names one). */
  readonly postgres?: EngineStatus;
}

/**
 * Brings both engines up, or reuses them when they already run. External engines are only
 * checked. Fetching and building for both run side by side, as do the two start-ups.
 */
export async function infraUp(
  config: InfraConfig,
  progress: Progress = silentProgress,
  options: { readonly tracing?: boolean; readonly postgres?: boolean } = {},
): Promise<InfraStatus> {
  // Refused before anything starts, rather than after Temporal has started beside a refused Kafka
  // and must be stopped again.
  if (config.kafka.mode === 'embedded') assertKafkaLayout(config);
  // Temporal's own server keeps its state on PostgreSQL: that starts first, the rest side by side.
  const serverDatabase = config.temporal.kind === 'server' ? await postgresUp(config, progress) : undefined;
  const settled = await Promise.allSettled([
    kafkaUp(config, progress),
    temporalUp(config, progress),
    options.tracing ? zipkinUp(config, progress) : zipkinIfRunning(config),
    serverDatabase ?? (options.postgres ? postgresUp(config, progress) : postgresIfRunning(config)),
  ]);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    // Nothing this call started is left running when one engine cannot start: the others (and the
    // PostgreSQL under Temporal's server) are stopped again, once their own starts have ended.
    const started = settled.flatMap((s) => (s.status === 'fulfilled' && s.value ? [s.value] : []));
    await infraDown(config, progress, enginesStartedNow(Object.fromEntries(started.map((e) => [e.engine, e]))));
    throw failed.reason;
  }
  const [kafka, temporal, zipkin, postgres] = settled.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
  return {
    kafka: kafka!,
    temporal: temporal!,
    ...(zipkin ? { zipkin } : {}),
    ...(postgres ? { postgres } : {}),
  };
}

/** PostgreSQL for govmesh's stores: GOVMESH_DATABASE_URL's, checked; else one started (or reused) on loopback. */
async function postgresUp(config: InfraConfig, progress: Progress): Promise<EngineStatus> {
  if (config.postgres.mode === 'external') {
    await waitForPostgres({ ...config, readyTimeoutMs: Math.min(config.readyTimeoutMs, 15_000) });
    const address = new URL(config.postgres.url).host;
    progress({ engine: 'postgres', message: `using existing PostgreSQL at ${address}` });
    return { engine: 'postgres', mode: 'external', state: 'running', address, startedNow: false };
  }
  const running = runningRecord(config, 'postgres');
  if (running) {
    await waitForPostgres(config, running);
    progress({
      engine: 'postgres',
      message: `reusing PostgreSQL already running at ${running.address} (pid ${running.pid})`,
    });
    return embedded(running, false);
  }
  await preparePostgres(config, progress);
  const record = await startPostgres(config, progress);
  await waitForPostgres(config, record);
  progress({ engine: 'postgres', message: `PostgreSQL is ready at ${record.address}` });
  return embedded(record, true);
}

function postgresIfRunning(config: InfraConfig): EngineStatus | undefined {
  const running = config.postgres.mode === 'embedded' ? runningRecord(config, 'postgres') : undefined;
  return running ? embedded(running, false) : undefined;
}

/** Zipkin's server, started (or reused) on loopback: where the services' spans go on a laptop. */
async function zipkinUp(config: InfraConfig, progress: Progress): Promise<EngineStatus> {
  const running = runningRecord(config, 'zipkin');
  if (running) {
    await waitForZipkin(config, running);
    progress({
      engine: 'zipkin',
      message: `reusing Zipkin already running at ${config.zipkin.uiUrl} (pid ${running.pid})`,
    });
    return embedded(running, false, config.zipkin.uiUrl);
  }
  await prepareZipkin(config, progress);
  const record = await startZipkin(config, progress);
  await waitForZipkin(config, record);
  progress({ engine: 'zipkin', message: `Zipkin is ready: traces at ${config.zipkin.uiUrl}` });
  return embedded(record, true, config.zipkin.uiUrl);
}

function zipkinIfRunning(config: InfraConfig): EngineStatus | undefined {
  const running = runningRecord(config, 'zipkin');
  return running ? embedded(running, false, config.zipkin.uiUrl) : undefined;
}

/** Brings up one engine only (a test's private broker, say). */
export async function engineUp(
  config: InfraConfig,
  engine: EngineName,
  progress: Progress = silentProgress,
): Promise<EngineStatus> {
  // Temporal's own server starts its PostgreSQL first: both are this start's.
  const its: EngineName[] =
    engine === 'temporal' && config.temporal.mode === 'embedded' && config.temporal.kind === 'server'
      ? ['temporal', 'postgres']
      : [engine];
  const before = new Set(its.flatMap((e) => alivePids(config, e)));
  try {
    return await { kafka: kafkaUp, temporal: temporalUp, zipkin: zipkinUp, postgres: postgresUp }[engine](
      config,
      progress,
    );
  } catch (err) {
    // A process this start spawned that then never became ready (a broker that does not take
    // its users in time, a server stuck in its start-up) is stopped again: left running, it held
    // its ports and memory while `govmesh up` said nothing of its run was left. One that ran
    // before this start (an earlier run's, reused) is not this start's to stop.
    const spawned = its.filter((e) => alivePids(config, e).some((pid) => !before.has(pid)));
    if (spawned.length > 0)
      await infraDown(
        config,
        progress,
        STOP_ORDER.filter((e) => spawned.includes(e)),
      ).catch(() => undefined);
    throw err;
  }
}

/** The processes of `engine` that run now, by their pid files in the data folder. */
function alivePids(config: InfraConfig, engine: EngineName): number[] {
  return recordedNodes(config.dataDir, engine).flatMap((node) => {
    const record = readPidRecord(config.dataDir, engine, node);
    return record && isAlive(record) ? [record.pid] : [];
  });
}

async function kafkaUp(config: InfraConfig, progress: Progress): Promise<EngineStatus> {
  const address = config.kafka.brokers.join(',');
  if (config.kafka.mode === 'external') {
    await waitForKafka(
      config.kafka.brokers,
      Math.min(config.readyTimeoutMs, 15_000),
      undefined,
      config.kafka.credentials,
      config.kafka.clientTls,
    );
    progress({ engine: 'kafka', message: `using existing Kafka at ${address}` });
    return { engine: 'kafka', mode: 'external', state: 'running', address, startedNow: false };
  }
  assertKafkaLayout(config);
  let running = runningKafka(config);
  if (running && !adminSecretExists(config.dataDir)) {
    // A broker started before govmesh secured it takes anonymous clients: replace it.
    progress({ engine: 'kafka', message: `restarting Kafka (pid ${running.pid}): it was started without SASL` });
    await infraDown(config, progress, ['kafka']);
    running = undefined;
  }
  if (running) {
    await readyForGovmesh(config, running);
    progress({ engine: 'kafka', message: `reusing Kafka already running at ${address} (pid ${running.pid})` });
    return embedded(running, false);
  }
  // What is left of a cluster that lost a node stops, so that all of it starts again together.
  await infraDown(config, progress, ['kafka']);
  await prepareKafka(config, progress);
  const record = await startKafka(config, progress);
  await readyForGovmesh(config, record);
  progress({ engine: 'kafka', message: `Kafka is ready at ${address} (SASL/SCRAM, ACLs)` });
  return embedded(record, true);
}

/**
 * Starts again the nodes of the embedded cluster that exited while the others run, and waits until
 * the whole cluster has them back. The cluster keeps its metadata (users, ACLs, topics): nothing is
 * provisioned again.
 */
export async function kafkaNodesUp(
  config: InfraConfig,
  nodes: readonly number[],
  progress: Progress = silentProgress,
): Promise<void> {
  for (const node of nodes) removePidRecord(config.dataDir, 'kafka', node);
  try {
    await startKafka(config, progress, 'sasl', nodes);
    for (const node of nodes) {
      const record = readPidRecord(config.dataDir, 'kafka', node)!;
      await waitForKafka(
        [record.address],
        config.readyTimeoutMs,
        record,
        platformCredentials(config, 'admin'),
        config.kafka.clientTls,
        config.kafka.nodes,
      );
    }
  } catch (err) {
    // As for engineUp: a node this call started that never rejoined is stopped again. Left
    // running, the watch's next look found it alive and never started it again nor said it runs.
    await Promise.all(
      nodes.map(async (node) => {
        const record = readPidRecord(config.dataDir, 'kafka', node);
        if (!record) return;
        const outcome = await stopEngine(record).catch(() => 'not stopped');
        removePidRecord(config.dataDir, 'kafka', node);
        if (outcome !== 'not-running')
          progress({
            engine: 'kafka',
            message: `Kafka node ${node} (pid ${record.pid}) ${outcome}: it did not rejoin`,
          });
      }),
    );
    throw err;
  }
}

/** Our SCRAM users rewritten, the broker answering the admin, then the ACL table and the topics. */
async function readyForGovmesh(config: InfraConfig, broker: PidRecord): Promise<void> {
  await assertPlatformUsers(config, config.readyTimeoutMs, () => isAlive(broker));
  await waitForKafka(
    config.kafka.brokers,
    config.readyTimeoutMs,
    broker,
    platformCredentials(config, 'admin'),
    config.kafka.clientTls,
    config.kafka.nodes,
  );
  await provisionEmbeddedKafka(config);
}

async function temporalUp(config: InfraConfig, progress: Progress): Promise<EngineStatus> {
  const t = config.temporal;
  if (t.mode === 'external') {
    await waitForTemporal(t.address, t.namespace, Math.min(config.readyTimeoutMs, 15_000));
    progress({ engine: 'temporal', message: `using existing Temporal at ${t.address}` });
    return { engine: 'temporal', mode: 'external', state: 'running', address: t.address, startedNow: false };
  }
  const running = runningRecord(config, 'temporal');
  if (running) {
    await waitForTemporal(t.address, t.namespace, config.readyTimeoutMs, running);
    progress({ engine: 'temporal', message: `reusing Temporal already running at ${t.address} (pid ${running.pid})` });
    return embedded(running, false, t.kind === 'dev' ? uiUrl(config) : undefined);
  }
  if (t.kind === 'server') return temporalServerUp(config, progress);
  await prepareTemporal(config, progress);
  let record = await startTemporal(config, progress);
  try {
    await waitForTemporal(t.address, t.namespace, config.readyTimeoutMs, record);
  } catch (err) {
    if (isAlive(record)) throw err;
    // The dev server gives up when its own start-up outlasts an internal deadline ("failed to
    // start service worker: context deadline exceeded"): a long-lived SQLite file, overdue timers
    // of old cases firing, a machine busy with something else. A second start finds that work
    // done; a server that cannot start at all exits again and is reported with its log.
    progress({
      engine: 'temporal',
      message: `Temporal exited while starting; starting it once more (its log: ${record.logFile})`,
    });
    record = await startTemporal(config, progress);
    await waitForTemporal(t.address, t.namespace, config.readyTimeoutMs, record);
  }
  progress({ engine: 'temporal', message: `Temporal is ready at ${t.address}` });
  return embedded(record, true, uiUrl(config));
}

/** `--temporal server`: Temporal's server on govmesh's PostgreSQL (started first when embedded). */
async function temporalServerUp(config: InfraConfig, progress: Progress): Promise<EngineStatus> {
  const t = config.temporal;
  await Promise.all([prepareTemporalServer(config, progress), postgresUp(config, silentProgress)]);
  await setupTemporalSchema(config, progress);
  const record = await startTemporalServer(config, progress);
  await waitForTemporal(t.address, t.namespace, config.readyTimeoutMs, record, (c) =>
    describeOrRegisterNamespace(c, t.namespace),
  );
  progress({
    engine: 'temporal',
    message: `Temporal server is ready at ${t.address} (PostgreSQL, ${t.historyShards} history shards)`,
  });
  return embedded(record, true);
}

/**
 * A plaintext broker with no users and no ACLs, for the bench alone: it measures what SASL costs
 * beside the secured one, in the same run. No command or variable of govmesh starts one. Stop it
 * with `infraDown(config, progress, ['kafka'])` on the same config (its own data folder and ports).
 */
export async function startPlaintextKafkaForComparison(
  config: InfraConfig,
  progress: Progress = silentProgress,
): Promise<EngineStatus> {
  await prepareKafka(config, progress);
  const record = await startKafka(config, progress, 'none');
  await waitForKafka(config.kafka.brokers, config.readyTimeoutMs, record);
  return embedded(record, true);
}

/** The order engines stop in: Temporal's own server before the PostgreSQL it keeps its state on. */
const STOP_ORDER: readonly EngineName[] = ['zipkin', 'temporal', 'postgres', 'kafka'];

/**
 * The engines a call of `infraUp` started itself (not reused, not external), in the order to stop
 * them: what a command that started them stops again when it ends.
 */
export function enginesStartedNow(status: Partial<InfraStatus>): EngineName[] {
  return STOP_ORDER.filter((engine) => status[engine]?.startedNow === true);
}

/** Stops the engines `up` started (from their pid files); external engines are never touched. */
export async function infraDown(
  config: InfraConfig,
  progress: Progress = silentProgress,
  engines: readonly EngineName[] = STOP_ORDER,
): Promise<void> {
  for (const engine of engines) {
    // A three-node Kafka has a pid file per node, stopped together: a node stopped last, alone,
    // waits for a quorum that has gone. Every other engine has one.
    await Promise.all(
      recordedNodes(config.dataDir, engine).map(async (node) => {
        const record = readPidRecord(config.dataDir, engine, node);
        if (!record) return;
        const outcome = await stopEngine(record);
        removePidRecord(config.dataDir, engine, node);
        const which = record.node ? ` node ${record.node}` : '';
        if (outcome !== 'not-running')
          progress({ engine, message: `${engineTitle(engine)}${which} (pid ${record.pid}) ${outcome}` });
      }),
    );
  }
}

/** How long one ask of a running engine may take: the engines answer in milliseconds when well. */
const ANSWER_TIMEOUT_MS = 3_000;

/**
 * Whether an engine answers what its readiness asks (Kafka its metadata, as the admin or the
 * external cluster's principal; Temporal its namespace; Zipkin its health; PostgreSQL a query),
 * within a few seconds. `node` asks that one broker of a Kafka cluster alone. A call that hangs
 * (a stopped process still takes connections and answers nothing) counts as no answer.
 */
export async function engineAnswers(config: InfraConfig, engine: EngineName, node?: number): Promise<boolean> {
  const quick = { ...config, readyTimeoutMs: ANSWER_TIMEOUT_MS };
  const k = config.kafka;
  const brokers =
    node === undefined ? k.brokers : [`127.0.0.1:${kafkaNodes(config).find((n) => n.id === node)?.port ?? k.port}`];
  const asking = {
    kafka: () =>
      waitForKafka(
        brokers,
        ANSWER_TIMEOUT_MS,
        undefined,
        k.mode === 'external' ? k.credentials : platformCredentials(config, 'admin'),
        k.clientTls,
      ),
    temporal: () => waitForTemporal(config.temporal.address, config.temporal.namespace, ANSWER_TIMEOUT_MS),
    zipkin: () => waitForZipkin(quick),
    postgres: () => waitForPostgres(quick),
  }[engine]();
  let timer: NodeJS.Timeout | undefined;
  const verdict = await Promise.race([
    asking.then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ANSWER_TIMEOUT_MS + 2_000))),
  ]);
  clearTimeout(timer);
  return verdict;
}

/** Tells what runs where, without starting anything. */
export async function infraStatus(config: InfraConfig): Promise<InfraStatus> {
  const kafkaAddress = config.kafka.brokers.join(',');
  const t = config.temporal;

  const kafkaRecord = config.kafka.mode === 'embedded' ? runningKafka(config) : undefined;
  const temporalRecord = t.mode === 'embedded' ? runningRecord(config, 'temporal') : undefined;
  const [kafkaUp, temporalUp] = await Promise.all([
    config.kafka.mode === 'external' || kafkaRecord ? engineAnswers(config, 'kafka') : false,
    t.mode === 'external' || temporalRecord ? engineAnswers(config, 'temporal') : false,
  ]);
  const zipkin = zipkinIfRunning(config);
  const postgres = postgresIfRunning(config);
  const state = (present: boolean, answers: boolean): EngineStatus['state'] =>
    !present ? 'stopped' : answers ? 'running' : 'unreachable';
  return {
    kafka: {
      engine: 'kafka',
      mode: config.kafka.mode,
      state: state(config.kafka.mode === 'external' || kafkaRecord !== undefined, kafkaUp),
      address: kafkaAddress,
      ...(kafkaRecord ? { pid: kafkaRecord.pid, logFile: kafkaRecord.logFile } : {}),
      startedNow: false,
    },
    temporal: {
      engine: 'temporal',
      mode: t.mode,
      state: state(t.mode === 'external' || temporalRecord !== undefined, temporalUp),
      address: t.address,
      ...(temporalRecord
        ? {
            pid: temporalRecord.pid,
            logFile: temporalRecord.logFile,
            // Temporal's server has no web UI of its own; the dev server has.
            ...(t.kind === 'dev' ? { uiUrl: uiUrl(config) } : {}),
          }
        : {}),
      startedNow: false,
    },
    ...(zipkin ? { zipkin } : {}),
    ...(postgres ? { postgres } : {}),
  };
}

/**
 * The embedded Kafka when every one of its nodes runs: the first node's record. A cluster missing
 * a node is not reused; `up` stops what is left of it and starts it whole (its data stays).
 */
function runningKafka(config: InfraConfig): PidRecord | undefined {
  const records = kafkaNodes(config).map((n) => runningRecord(config, 'kafka', n.id));
  return records.every((r) => r !== undefined) ? records[0] : undefined;
}

function runningRecord(config: InfraConfig, engine: EngineName, node = 1): PidRecord | undefined {
  const record = readPidRecord(config.dataDir, engine, node);
  if (!record) return undefined;
  if (isAlive(record)) return record;
  removePidRecord(config.dataDir, engine, node); // stale: the process died or the machine restarted
  return undefined;
}

function embedded(record: PidRecord, startedNow: boolean, ui?: string): EngineStatus {
  return {
    engine: record.engine,
    mode: 'embedded',
    state: 'running',
    address: record.address,
    pid: record.pid,
    logFile: record.logFile,
    ...(ui ? { uiUrl: ui } : {}),
    startedNow,
  };
}

function uiUrl(config: InfraConfig): string {
  return `http://127.0.0.1:${config.temporal.uiPort}`;
}
