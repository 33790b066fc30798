import { fileURLToPath } from 'node:url';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';

import {
  assertKafkaLayout,
  enginesStartedNow,
  infraDown,
  infraUp,
  loadInfraConfig,
  platformCredentials,
  readPidRecord,
  terminalProgress,
  watchEngines,
  type EngineWatch,
  type EngineWatchEvent,
  type InfraStatus,
} from '@govmesh/infra';
import { DevelopmentIssuer, developmentIssuerKeyFile } from '@govmesh/tokens';
import { credentialsEnv, personalData, tlsEnv } from '@govmesh/messaging';
import { tracingConfigFromEnv } from '@govmesh/telemetry';
import { startTracing, type Tracing } from '@govmesh/telemetry/setup';
import { pino } from 'pino';

import { ApiSession } from './api-session.js';
import { loadDemoConfig, processEnvironment } from './config.js';
import { runDemoBatch, type DemoProgress, type DemoSummary } from './demo-batch.js';
import { startDemoCrew, type DemoCrew } from './demo-crew.js';
import { demoPartners } from './demo-partners.js';
import { takeClaim, type RunClaim } from './run-claims.js';
import { ScenarioBook, crewFiles, crewOnDutyElsewhere, declareCrewOnDuty } from './scenario-book.js';
import {
  REPLICATED,
  REPLICA_PORT_STEP,
  isLibraryNoise,
  noticeLine,
  startPlatformStack,
  tagged,
  type PlatformStack,
} from './platform-stack.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** The demo crew's log: tagged lines into the log file; its own errors (not a library's) also to the terminal. */
function crewLog(logFile: string, notice: (line: string) => void): Writable {
  mkdirSync(dirname(logFile), { recursive: true });
  const file = createWriteStream(logFile, { flags: 'a' });
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const raw of chunk.toString('utf8').split('\n').filter(Boolean)) {
        const { text, level } = tagged('demo-crew', raw);
        file.write(`${text}\n`);
        if (level >= 50 && !isLibraryNoise(raw)) notice(text);
      }
      done();
    },
    final(done) {
      file.end(done);
    },
  });
}

export interface UpOptions {
  readonly demo: boolean;
  readonly cases: number;
  /** Machine-readable: only the summary JSON on stdout. */
  readonly json?: boolean;
  /** Keep serving until Ctrl-C (npm start); otherwise stop everything after the batch. */
  readonly serve: boolean;
  /** Start the trace viewer (Zipkin) and send every process's spans to it. */
  readonly tracing?: boolean;
  /** Processes of each of audit, worker, bridge and API (default 1). */
  readonly replicas?: number;
  /**
   * Once half the cases are submitted, kill (SIGKILL) one replica of each replicated service, and
   * one broker of an embedded three-node Kafka. The supervisor starts the services again.
   */
  readonly faults?: boolean;
  readonly env?: Record<string, string | undefined>;
}

/**
 * A partner's deadline on the demo clock when `--faults` kills a broker and a replica of each
 * service. The cluster needs 10 to 30 s to take over (the controller fences a dead broker after 9 s,
 * its groups' coordinators move, and a killed bridge's partitions move once its 10-second session
 * ends). With the usual 5 s, a task handed out just before the kill could pass its first and its
 * second partner's deadline while results wait for the takeover, and its case would end failed for
 * want of a partner: a fault of the demo's clock, not a case lost. 20 s outlasts one takeover twice.
 */
export const FAULTS_PARTNER_SECONDS = 20;

/**
 * Where the processes send spans: the environment's own choice (OTEL_*) when it made one, else the
 * Zipkin that infra runs, when it runs; nowhere otherwise.
 */
function tracingEnv(
  env: Record<string, string | undefined>,
  engines: InfraStatus,
  spansUrl: string,
): Record<string, string> {
  const chosen = Object.keys(env).some((k) => /^OTEL_(TRACES_EXPORTER|EXPORTER_(OTLP|ZIPKIN)_)/.test(k));
  return engines.zipkin && !chosen ? { OTEL_EXPORTER_ZIPKIN_ENDPOINT: spansUrl } : {};
}

function say(json: boolean | undefined, line: string): void {
  (json ? process.stderr : process.stdout).write(`${line}\n`);
}

/** How an engine watch's event reads among the services' notices. */
const ENGINE_EVENT_LEVEL = {
  lost: 'ERROR',
  restarted: 'info',
  'restart-failed': 'ERROR',
  'not-answering': 'ERROR',
  'stopped-silent': 'WARN',
  answering: 'info',
  'gave-up': 'FATAL',
} as const satisfies Record<EngineWatchEvent['kind'], string>;

/**
 * `govmesh up` or `govmesh demo` refused: a govmesh already serves on the address this one would
 * take, or already runs from its data folder (on other ports).
 */
export class AlreadyServing extends Error {
  readonly code = 'UP.ALREADY_SERVING';
  readonly retriable = false;
  constructor(
    message: string,
    readonly hint = 'stop that one first (Ctrl-C where it runs), or play a batch beside it with `npx govmesh demo`',
  ) {
    super(message);
  }
}

/** What a run that starts govmesh's processes says about itself in its data folder. */
interface FolderClaim {
  readonly command: 'up' | 'demo';
  readonly apiUrl: string;
  readonly startedAt: string;
}

/**
 * The run holding the data folder. Its processes share the folder's state (the ledger and
 * registry files, the consumer groups, the development issuer's key): a second set on other ports
 * would write the same ledger beside the first, so it is refused, whatever its ports.
 */
function folderClaimFile(dataDir: string): string {
  return join(dataDir, 'run', 'govmesh.json');
}

function folderInUse(dataDir: string, holder: RunClaim<FolderClaim>): AlreadyServing {
  return new AlreadyServing(
    `govmesh already runs from the data folder ${dataDir}: \`govmesh ${holder.command}\` (pid ${holder.pid}), its API at ${holder.apiUrl}`,
    holder.command === 'up'
      ? `stop that one first (Ctrl-C where it runs), play a batch beside it with \`npx govmesh demo\` and its ports (GOVMESH_API_PORT=${new URL(holder.apiUrl).port}), or choose another data folder with GOVMESH_DATA_DIR=<folder>`
      : 'let that batch end first, or choose another data folder with GOVMESH_DATA_DIR=<folder>',
  );
}

async function apiAnswers(url: string): Promise<boolean> {
  try {
    return (await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

/**
 * `govmesh up [--demo]` and `govmesh demo`: engines (embedded unless external ones are named),
 * every govmesh process, then the demo batch, a summary, and (for `up`) serving until Ctrl-C,
 * which stops everything this command started.
 */
export async function runUp(o: UpOptions): Promise<DemoSummary | undefined> {
  const env = o.env ?? processEnvironment();
  const infraConfig = loadInfraConfig(env);
  const config = loadDemoConfig(env);
  const { apiUrl, webUrl } = config;
  const apiPort = String(config.GOVMESH_API_PORT);
  // A second `govmesh up` used to start a second set of services: its audit service joined the
  // serving one's consumer group and wrote to its ledger before it failed on a taken port.
  if (o.serve && (await apiAnswers(apiUrl)))
    throw new AlreadyServing(`govmesh is already serving here: its API answers at ${apiUrl}`);
  // `govmesh demo` beside a serving govmesh plays its batch there and starts nothing of its own.
  const beside = !o.serve && (await apiAnswers(apiUrl));
  // Refused before anything starts, so that nothing is left to stop.
  if (!beside && infraConfig.kafka.mode === 'embedded') assertKafkaLayout(infraConfig);
  const folder = beside
    ? undefined
    : takeClaim<FolderClaim>(folderClaimFile(infraConfig.dataDir), {
        command: o.serve ? 'up' : 'demo',
        apiUrl,
        startedAt: new Date().toISOString(),
      });
  if (folder && 'heldBy' in folder) throw folderInUse(infraConfig.dataDir, folder.heldBy);
  let engines: InfraStatus | undefined;
  let stack: PlatformStack | undefined;
  let crew: DemoCrew | undefined;
  let offDuty: (() => void) | undefined;
  let watch: EngineWatch | undefined;
  // An engine or a service given up (it kept exiting) ends the run, whatever it is waiting for
  // (the batch, Ctrl-C): a platform without it cannot serve.
  let gaveUp: (err: Error) => void = () => undefined;
  const givenUp = new Promise<never>((_, reject) => (gaveUp = reject));
  givenUp.catch(() => undefined);
  let stopping: Promise<void> | undefined;
  /** OTEL_* for the processes (and this one's demo partners) when spans go to the trace viewer. */
  const tracedEnv: Record<string, string> = {};
  let tracing: Tracing | undefined;
  const shutdown = () =>
    (stopping ??= (async () => {
      say(o.json, 'stopping govmesh …');
      // First: an engine stopped below must not be taken for one that died and started again.
      await watch?.stop();
      await crew?.stop().catch(() => undefined);
      offDuty?.();
      await tracing?.shutdown();
      await stack?.stop();
      // PostgreSQL among them: Temporal's own server (`GOVMESH_TEMPORAL_KIND=server`) starts it.
      const ours = engines ? enginesStartedNow(engines) : [];
      if (ours.length) await infraDown(infraConfig, terminalProgress, ours);
      folder?.release();
      say(o.json, 'stopped: nothing of this run is left running');
    })());

  // Ctrl-C (or a supervisor's SIGTERM) at any point stops what this command started, engines included.
  let interrupted: () => void = () => undefined;
  const interruption = new Promise<void>((resolve) => (interrupted = resolve));
  let serving = false;
  let signalled = false;
  const onSignal = () => {
    signalled = true;
    if (serving) interrupted();
    else void shutdown().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  try {
    const t0 = Date.now();
    if (!beside) {
      engines = await infraUp(infraConfig, terminalProgress, { tracing: o.tracing === true });
      say(
        o.json,
        `engines ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: Kafka ${engines.kafka.address}, Temporal ${engines.temporal.address}${engines.zipkin ? `, traces ${engines.zipkin.uiUrl}` : ''}`,
      );
      Object.assign(tracedEnv, tracingEnv(env, engines, infraConfig.zipkin.spansUrl));
      const logFile = join(infraConfig.dataDir, 'logs', 'govmesh.log');
      const t1 = Date.now();
      stack = await startPlatformStack({
        root,
        logFile,
        env: Object.fromEntries(
          Object.entries({
            ...env,
            KAFKA_BROKERS: engines.kafka.address,
            TEMPORAL_ADDRESS: engines.temporal.address,
            GOVMESH_API_PORT: apiPort,
            GOVMESH_API_URL: apiUrl,
            GOVMESH_WEB_PORT: String(config.GOVMESH_WEB_PORT),
            ...tracedEnv,
          }).filter((e): e is [string, string] => e[1] !== undefined),
        ),
        // Each process proves who it is with its own principal (the embedded broker's; an external
        // cluster's come from the environment the operator set).
        envOf: (component) =>
          // The pages reach only the API: no Kafka principal of their own.
          component !== 'web' && infraConfig.kafka.mode === 'embedded'
            ? { ...credentialsEnv(platformCredentials(infraConfig, component)), ...tlsEnv(infraConfig.kafka.tls) }
            : {},
        onNotice: (line) => say(o.json, line),
        onGaveUp: gaveUp,
        replicas: o.replicas ?? 1,
      });
      say(o.json, `govmesh processes ready in ${((Date.now() - t1) / 1000).toFixed(1)} s; their log: ${logFile}`);
      // While it serves, an engine that dies is said and started again, as a service is.
      if (o.serve)
        watch = watchEngines(infraConfig, engines, {
          progress: terminalProgress,
          onEvent: (e) => {
            say(o.json, noticeLine(e.engine, ENGINE_EVENT_LEVEL[e.kind], e.message));
            if (e.kind === 'gave-up') gaveUp(e.error);
          },
        });
    }
    let summary: DemoSummary | undefined;
    if (o.demo) {
      // The partners' own warnings (a revoked task, a rejected draft) are part of the show, not
      // problems: the crew's lines go to the log file, and only its own errors to the terminal.
      const logger = pino(
        { level: 'warn', formatters: { log: personalData.formatLog } },
        crewLog(join(infraConfig.dataDir, 'logs', 'govmesh.log'), (line) => say(o.json, line)),
      );
      // The demo partners run in this process: their spans go where the services' go.
      tracing = startTracing({
        service: 'govmesh-demo-partners',
        config: tracingConfigFromEnv({ ...env, ...tracedEnv }),
      });
      // Every API replica, as a balancer would spread the demo's users over them.
      const apiUrls = Array.from({ length: o.replicas ?? 1 }, (_, i) => {
        const url = new URL(apiUrl);
        url.port = String(Number(url.port) + REPLICA_PORT_STEP * i);
        return url.origin;
      });
      const api = new ApiSession(apiUrls, await DevelopmentIssuer.open(developmentIssuerKeyFile(infraConfig.dataDir)));
      const faults: string[] = [];
      const injectFaults = (submitted: number) => {
        if (!o.faults || faults.length > 0 || submitted < Math.ceil(o.cases / 2) || !stack) return;
        const pids = stack.pids();
        for (const service of REPLICATED) {
          const victim = (o.replicas ?? 1) > 1 ? `${service}-2` : service;
          const pid = pids[victim];
          if (pid === undefined) continue;
          process.kill(pid, 'SIGKILL');
          faults.push(`killed ${victim} (pid ${pid}) after ${submitted} of ${o.cases} cases were submitted`);
        }
        const broker = infraConfig.kafka.nodes > 1 ? readPidRecord(infraConfig.dataDir, 'kafka', 2) : undefined;
        if (broker && infraConfig.kafka.mode === 'embedded') {
          process.kill(broker.pid, 'SIGKILL');
          faults.push(
            `killed Kafka broker 2 (pid ${broker.pid}) after ${submitted} of ${o.cases} cases were submitted`,
          );
        }
        for (const fault of faults) say(o.json, `fault: ${fault}`);
      };
      const files = crewFiles(infraConfig.dataDir, config.GOVMESH_DEMO_PARTNER_SUFFIX);
      // A `govmesh up --demo` on this machine keeps its crew on duty: it plays this batch too. A
      // second crew would log its partners in again (new passwords, which the first crew's
      // partners no longer have), take half their tasks without knowing those cases' scenarios,
      // and take the partners off duty at its end.
      const onDuty = stack ? undefined : crewOnDutyElsewhere(files.onDuty);
      let cast: { scenarios: ScenarioBook; partnerIds: ReadonlySet<string> };
      if (onDuty !== undefined) {
        say(o.json, `the demo crew of process ${onDuty} is on duty: it plays this batch's cases`);
        cast = {
          scenarios: new ScenarioBook(files.book),
          partnerIds: new Set(demoPartners(config.GOVMESH_DEMO_PARTNER_SUFFIX).map((p) => p.profile.id)),
        };
      } else {
        // Each demo partner connects with the Kafka credentials its onboarding answered, like any partner.
        crew = await startDemoCrew({
          api,
          logger,
          root,
          partnerSuffix: config.GOVMESH_DEMO_PARTNER_SUFFIX,
          tls: infraConfig.kafka.clientTls,
          scenarios: ScenarioBook.fresh(files.book),
          ...(o.faults ? { partnerSeconds: FAULTS_PARTNER_SECONDS } : {}),
        });
        offDuty = declareCrewOnDuty(files.onDuty);
        cast = crew;
      }
      let last = 0;
      summary = await Promise.race([
        runDemoBatch({
          api,
          crew: cast,
          cases: o.cases,
          onSubmitted: injectFaults,
          onProgress: (p: DemoProgress) => {
            if (Date.now() - last < 2_000 && p.running > 0) return;
            last = Date.now();
            const marks = Object.entries(p.outcomes)
              .filter(([, n]) => n > 0)
              .map(([k, n]) => `${k} ${n}`)
              .join(', ');
            say(
              o.json,
              `progress: ${p.submitted}/${o.cases} submitted · ${p.running} running · ${p.completed} completed${marks ? ` (${marks})` : ''}`,
            );
          },
        }),
        givenUp,
      ]);
      if (o.faults) summary = { ...summary, faults };
      if (o.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else process.stdout.write(describeSummary(summary, apiUrl, engines?.temporal.uiUrl));
    }
    if (o.serve) {
      say(
        o.json,
        `\ngovmesh is serving: citizen portal ${webUrl} · API ${apiUrl} (docs ${apiUrl}/docs)${engines?.temporal.uiUrl ? `, Temporal UI ${engines.temporal.uiUrl}` : ''}${engines?.zipkin ? `, traces ${engines.zipkin.uiUrl}` : ''}.`,
      );
      if (crew)
        say(
          o.json,
          'The demo partners and the demo officer keep working: try `GOVMESH_TOKEN=$(npx govmesh token mint --role citizen --sub citizen-1) npx govmesh case submit --service business-licence -f examples/applications/business-licence.yaml`.',
        );
      say(o.json, 'Press Ctrl-C to stop everything.');
      serving = true;
      await Promise.race([interruption, givenUp]);
    }
    return summary;
  } catch (err) {
    // Ctrl-C in the middle of the batch: its calls fail as the processes stop; that is no error.
    if (signalled) await new Promise<never>(() => void shutdown().then(() => process.exit(130)));
    throw err;
  } finally {
    await shutdown();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
}

/**
 * Every case completed, none twice, the ledger whole. Under `--faults` a case may take another
 * path than its scenario's (a demo partner's 5-second deadline passes while a killed bridge's
 * partitions move to the other one, so the task is reassigned): the summary lists those, and they
 * must still complete.
 */
export function summaryIsClean(s: DemoSummary): boolean {
  return (
    s.lost === 0 &&
    s.stuck === 0 &&
    (s.unexpected === 0 || s.faults !== undefined) &&
    s.appliedTwice === 0 &&
    s.ledgerVerified &&
    s.completed === s.submitted
  );
}

function describeSummary(s: DemoSummary, apiUrl: string, temporalUi: string | undefined): string {
  const outcomes = Object.entries(s.outcomes)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(' · ');
  const rows = s.partners.map((c) =>
    [
      c.partnerId,
      c.taskType,
      c.assigned,
      c.completedOnTime,
      c.late,
      c.rejectedInvalid,
      c.turnaroundMs.median === null ? '-' : `${(c.turnaroundMs.median / 1000).toFixed(1)}s`,
      c.score === null ? '-' : c.score.toFixed(2),
    ].map(String),
  );
  const head = ['partner', 'task', 'assigned', 'on time', 'late', 'invalid', 'median', 'score'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(width[i]!)).join('  ')}`.trimEnd();
  return [
    '',
    `demo batch: ${s.submitted} cases in ${s.seconds} s — ${s.completed} completed, ${s.lost} lost, ${s.stuck} stuck, ${s.unexpected} unexpected, ${s.appliedTwice} applied twice`,
    ...(s.faults ?? []).map((f) => `fault: ${f}`),
    `outcomes: ${outcomes}`,
    'partner scorecards:',
    line(head),
    ...rows.map(line),
    `audit ledger: ${s.ledgerVerified ? 'verified' : 'BROKEN'}`,
    ...s.problems.slice(0, 10).map((p) => `  ! ${p}`),
    `look next: API docs ${apiUrl}/docs${temporalUi ? ` · Temporal UI ${temporalUi}` : ''} · \`npx govmesh audit timeline <caseId>\``,
    '',
  ].join('\n');
}
