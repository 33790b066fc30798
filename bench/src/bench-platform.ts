import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createResultBridge } from '@govmesh/bridge';
import type { ServiceDefinition } from '@govmesh/contracts/service-definition';
import { seedForms, seedTaskTypes, type PinnedContracts } from '@govmesh/contracts/standards';
import { infraDown, infraUp, loadInfraConfig, platformCredentials } from '@govmesh/infra';
import { CloudEventPublisher, FETCH_WAIT_MS, createKafka, ensureTopics, withKafkaAdmin } from '@govmesh/messaging';
import { SAMPLE_OUTPUTS, createPartner } from '@govmesh/partner-sdk';
import { caseDataConverter, ensureCaseSearchAttributes, loadCaseDataKeys } from '@govmesh/case-client';
import { PartnerDirectory, createCaseWorkers } from '@govmesh/worker';
import { serviceCase } from '@govmesh/workflows/service-case';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { pino } from 'pino';

import { kafkaEchoPartner } from './kafka-echo-partner.js';
import { bareSteps } from './quick.workflows.js';
import { say, threadCpuMs, threadKinds } from './stats.js';

export const application = {
  applicant: { name: 'Bench', dateOfBirth: '1980-01-01', nationalId: 'B-1', email: 'b@example.org' },
  business: { name: 'B', address: 'B', activity: 'b' },
};

/** A service of `steps` outsourced background checks, each answered by the instant partner. */
export const benchDefinition = (
  steps: number,
  deadline: { hours: number } = { hours: 1 },
  only?: [string],
): ServiceDefinition => ({
  apiVersion: 'govmesh/v1',
  kind: 'Service',
  id: 'bench',
  version: 1,
  title: 'bench',
  ownerAgency: 'bench',
  application: { schema: 'business-licence-application@1' },
  steps: Array.from({ length: steps }, (_, i) => ({
    id: `check-${i}`,
    task: 'background-check@1',
    classification: { core: false, critical: false },
    deadline,
    share: ['applicant.name', 'applicant.dateOfBirth'],
    partners: { select: 'first-eligible', maxReassignments: 0, fallback: { fail: true }, ...(only ? { only } : {}) },
  })),
});

/**
 * The contracts a bench case carries, as the API pins them for a case it starts: the application
 * form and the task types of its partner steps, at the revisions published (here the seed's).
 */
export const benchContracts: PinnedContracts = (() => {
  const form = seedForms().find((f) => f.name === 'business-licence-application' && f.major === 1)!;
  const task = seedTaskTypes().find((t) => t.name === 'background-check' && t.major === 1)!;
  return {
    application: { ref: 'business-licence-application@1', revision: 1, schema: form.schema },
    taskTypes: { 'background-check@1': { revision: 1, input: task.input, output: task.output } },
  };
})();

/**
 * Opens cases `from` to `to` − 1 of `definition` on `taskQueue` (ids `<prefix>-<n>`), 50 at a time:
 * the client that starts them is not what is measured.
 */
export async function openCases(
  client: Client,
  o: { taskQueue: string; prefix: string; from: number; to: number; definition: ServiceDefinition },
): Promise<void> {
  for (let opened = o.from; opened < o.to;) {
    const batch = Array.from({ length: Math.min(50, o.to - opened) }, (_, i) => opened + i);
    await Promise.all(
      batch.map((n) =>
        client.workflow.start(serviceCase, {
          taskQueue: o.taskQueue,
          workflowId: `${o.prefix}-${n}`,
          args: [{ caseId: `${o.prefix}-${n}`, definition: o.definition, application, contracts: benchContracts }],
        }),
      ),
    );
    opened += batch.length;
  }
}

/**
 * The engines, and in this process a govmesh platform (case workers, result bridge, an instant
 * partner) beside a bare Temporal worker on its own queue, all with ids of this run.
 */
export async function startBenchPlatform() {
  // Threads the process had before the platform: what starts from here on is Temporal's.
  const threadKind = threadKinds(new Set(threadCpuMs().keys()));
  const infraConfig = loadInfraConfig();
  const progress = (e: { engine: string; message: string }) => say(`[${e.engine}] ${e.message}`);
  const infra = await infraUp(infraConfig, progress);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // stderr: stdout carries the report.
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const run = randomUUID().slice(0, 8);
  const kafka = createKafka({
    clientId: `bench-${run}`,
    brokers: infra.kafka.address.split(','),
    logger,
    credentials: platformCredentials(infraConfig, 'admin'),
  });
  const partnerId = `bench-partner-${run}`;
  await ensureTopics(kafka, [partnerId]);
  const publisher = new CloudEventPublisher(kafka);
  const native = await NativeConnection.connect({ address: infra.temporal.address });
  const connection = await Connection.connect({ address: infra.temporal.address });
  await ensureCaseSearchAttributes(connection, 'default');
  // Cases are measured as they run in production: sealed (AES-256-GCM) before they reach Temporal.
  // The bench's own keyring; the processes it starts (scale) are given the same file.
  const caseKeysFile = join(mkdtempSync(join(tmpdir(), 'govmesh-bench-keys-')), 'case-keys.json');
  const dataConverter = caseDataConverter(loadCaseDataKeys({ file: caseKeysFile }));
  const client = new Client({ connection, dataConverter });
  const caseQueue = `bench-cases-${run}`;
  const bareQueue = `bench-bare-${run}`;
  const profile = {
    id: partnerId,
    name: 'instant',
    capabilities: ['background-check@1'],
    terms: { 'background-check@1': { deadline: { hours: 1 }, capacity: 100_000 } },
    status: 'active' as const,
  };
  const workers = await createCaseWorkers({
    connection: native,
    namespace: 'default',
    publisher,
    partners: new PartnerDirectory([profile]),
    logger,
    taskQueue: caseQueue,
    dataConverter,
  });
  // The baseline seals its payloads too (one client, one codec for both), so a ratio compares the
  // orchestration, not the encryption; the bare queue's floors are woken through the same bridge.
  const bareWorker = await Worker.create({
    connection: native,
    dataConverter,
    taskQueue: bareQueue,
    workflowsPath: fileURLToPath(new URL('./quick.workflows.ts', import.meta.url)),
    activities: { noop: () => Promise.resolve() },
  });
  // The second baseline: the same bare workflow, each activity a round trip to a partner over
  // Kafka (a request topic, a plain kafkajs partner echoing it, a reply topic), the way a Temporal
  // shop without govmesh would reach a partner; its consumers wait on a fetch as govmesh's do.
  const viaKafka = await kafkaEchoPartner({ kafka, run }, 'activity', FETCH_WAIT_MS);
  const taskSized = Buffer.from(
    JSON.stringify({ input: application, output: SAMPLE_OUTPUTS['background-check@1']!({}) }),
  );
  const kafkaActivityQueue = `bench-kafka-activity-${run}`;
  const kafkaActivityWorker = await Worker.create({
    connection: native,
    dataConverter,
    taskQueue: kafkaActivityQueue,
    workflowsPath: fileURLToPath(new URL('./quick.workflows.ts', import.meta.url)),
    activities: { noop: () => viaKafka.roundTrip(taskSized) },
  });
  const running = [...workers, bareWorker, kafkaActivityWorker].map((w) => w.run());
  const bridge = createResultBridge({
    kafka,
    client,
    publisher,
    logger,
    groupId: `bench-bridge-${run}`,
    topicPattern: new RegExp(`^govmesh\\.results\\.${partnerId}$`),
  });
  await bridge.start();
  const partner = createPartner({
    partnerId,
    kafka,
    logger,
    handlers: { 'background-check@1': (input) => Promise.resolve(SAMPLE_OUTPUTS['background-check@1']!(input)) },
  });
  await partner.start();

  /** The bare workflow of `steps` activities on `taskQueue`, start to end, in ms; with its handle. */
  const bareWorkflow = async (taskQueue: string, steps: number): Promise<{ ms: number; handle: WorkflowHandle }> => {
    const t = performance.now();
    const handle = await client.workflow.start(bareSteps, {
      taskQueue,
      workflowId: `${taskQueue}-${randomUUID()}`,
      args: [steps],
    });
    await handle.result();
    return { ms: performance.now() - t, handle };
  };

  /** State transitions Temporal recorded for a closed workflow (from describing it). */
  const transitions = async (handle: WorkflowHandle): Promise<number> =>
    Number((await handle.describe()).raw.workflowExecutionInfo?.stateTransitionCount ?? Number.NaN);

  // The engines' process trees, where this machine runs them, so a case's cost to them is read too.
  const enginePids = Object.fromEntries(
    [infra.temporal, infra.kafka].flatMap((e) => (e.pid ? [[e.engine, e.pid] as const] : [])),
  );

  return {
    infra,
    infraConfig,
    enginePids,
    /** What each of this process's threads does (main, workflow, core, runtime), for the CPU split. */
    threadKind,
    caseKeysFile,
    run,
    kafka,
    logger,
    publisher,
    client,
    partner,
    partnerId,
    caseQueue,
    bareQueue,
    /** A govmesh case of `steps` partner steps, start to end, in ms; with its handle. */
    govmeshCase: async (steps: number): Promise<{ ms: number; handle: WorkflowHandle }> => {
      const caseId = `bench-${randomUUID()}`;
      const t = performance.now();
      const handle = await client.workflow.start(serviceCase, {
        taskQueue: caseQueue,
        workflowId: caseId,
        args: [{ caseId, definition: benchDefinition(steps), application, contracts: benchContracts }],
      });
      await handle.result();
      return { ms: performance.now() - t, handle };
    },
    /** A bare workflow of `steps` sequential no-op activities, start to end, in ms. */
    bareCase: (steps: number) => bareWorkflow(bareQueue, steps),
    /** The bare workflow again, each of its `steps` activities a round trip to a partner over Kafka. */
    kafkaActivityCase: (steps: number) => bareWorkflow(kafkaActivityQueue, steps),
    transitions,
    /**
     * Records in the broker's `__consumer_offsets` log so far: one per partition per offset commit
     * (and a few per group change), so the growth over a run is what the run's commits wrote.
     */
    offsetRecords: (): Promise<number> =>
      withKafkaAdmin(kafka, 'read the offsets log', async (admin) =>
        (await admin.fetchTopicOffsets('__consumer_offsets')).reduce((sum, o) => sum + Number(o.high), 0),
      ),
    async stop(): Promise<void> {
      await partner.stop();
      await bridge.stop();
      [...workers, bareWorker, kafkaActivityWorker].forEach((w) => w.shutdown());
      await Promise.all(running);
      await viaKafka.stop();
      await publisher.close();
      await connection.close();
      await native.close();
      rmSync(dirname(caseKeysFile), { recursive: true, force: true });
      // Engines the bench started are stopped again; ones it found running are left as found.
      const ours = ([infra.temporal, infra.kafka] as const).filter((e) => e.startedNow).map((e) => e.engine);
      if (ours.length > 0) await infraDown(infraConfig, progress, ours);
    },
  };
}
export type BenchPlatform = Awaited<ReturnType<typeof startBenchPlatform>>;
