// The Temporal floor of a govmesh partner step's shape (`npx tsx src/update-floor.ts [steps] [concurrency] [rounds] [warm-up govmesh cases]`):
// cases/s and CPU ms per case of N steps each ended by an Update from this process (as the bridge
// ends a case's step), with a per-step deadline timer, and with a local-activity dispatch too,
// beside the bare workflow of N no-op activities and the govmesh case, in one run. And the bare
// workflow whose activity reaches a partner over Kafka and waits for its answer (a request topic,
// an echoing partner, a reply topic): how a Temporal shop without govmesh would reach a partner.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { caseDataConverter, loadCaseDataKeys } from '@govmesh/case-client';
import { SAMPLE_OUTPUTS } from '@govmesh/partner-sdk';
import { NativeConnection, Worker } from '@temporalio/worker';

import { application, benchContracts, benchDefinition, startBenchPlatform } from './bench-platform.js';
import { bareSteps, stepDone, updateSteps } from './quick.workflows.js';
import { closedLoop, median, say } from './stats.js';

const steps = Number(process.argv[2] ?? 3);
const concurrency = Number(process.argv[3] ?? 32);
const rounds = Number(process.argv[4] ?? 2);
const p = await startBenchPlatform();
// What a case starts with, and a partner's result as the bridge hands it over.
const caseInput = { caseId: 'x', definition: benchDefinition(steps), application, contracts: benchContracts };
const result = {
  taskId: 'x:step',
  partnerId: p.partnerId,
  attempt: 1,
  outcome: 'completed',
  output: SAMPLE_OUTPUTS['background-check@1']!({}),
  eventId: randomUUID(),
};

/** A partner over Kafka as a plain kafkajs integration has it: request → echo → reply, keyed by a request id. */
async function kafkaPartner() {
  const [requests, replies] = [`bench.requests.${p.run}`, `bench.replies.${p.run}`];
  const admin = p.kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [requests, replies].map((topic) => ({ topic, numPartitions: 6 })),
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = p.kafka.producer({ idempotent: true });
  await producer.connect();
  const partner = p.kafka.consumer({ groupId: `bench-kafka-partner-${p.run}`, maxWaitTimeInMs: 500 });
  await partner.connect();
  await partner.subscribe({ topics: [requests] });
  await partner.run({
    eachMessage: async ({ message }) =>
      void (await producer.send({ topic: replies, acks: -1, messages: [{ key: message.key, value: message.value }] })),
  });
  const waitingFor = new Map<string, () => void>();
  const answers = p.kafka.consumer({ groupId: `bench-kafka-answers-${p.run}`, maxWaitTimeInMs: 500 });
  await answers.connect();
  await answers.subscribe({ topics: [replies] });
  await answers.run({ eachMessage: ({ message }) => (waitingFor.get(message.key!.toString())?.(), Promise.resolve()) });
  await new Promise((r) => setTimeout(r, 3_000)); // consumer groups joined
  const task = Buffer.from(JSON.stringify({ input: application, output: result })); // about a task's size
  return {
    /** The activity: send the task, wait for the partner's answer. */
    async roundTrip(): Promise<void> {
      const key = randomUUID();
      const answered = new Promise<void>((resolve) => waitingFor.set(key, resolve));
      await producer.send({ topic: requests, acks: -1, messages: [{ key, value: task }] });
      await answered;
      waitingFor.delete(key);
    },
    stop: () => Promise.all([partner.disconnect(), answers.disconnect(), producer.disconnect()]),
  };
}
const viaKafka = await kafkaPartner();
const kafkaQueue = `bench-kafka-activity-${p.run}`;
const native = await NativeConnection.connect({ address: p.infra.temporal.address });
// The bare workflow, its `noop` activity here a round trip to the partner over Kafka.
const kafkaWorker = await Worker.create({
  connection: native,
  dataConverter: caseDataConverter(loadCaseDataKeys({ file: p.caseKeysFile })),
  taskQueue: kafkaQueue,
  workflowsPath: fileURLToPath(new URL('./quick.workflows.ts', import.meta.url)),
  activities: { noop: () => viaKafka.roundTrip() },
});
const kafkaWorkerRunning = kafkaWorker.run();
const kafkaActivityCase = async (): Promise<number> => {
  const t = performance.now();
  const handle = await p.client.workflow.start(bareSteps, {
    taskQueue: kafkaQueue,
    workflowId: `bench-kafka-activity-${randomUUID()}`,
    args: [steps],
  });
  await handle.result();
  return performance.now() - t;
};
const updateCase = async (shape: 'update' | 'timer' | 'dispatch', sized = false): Promise<number> => {
  const t = performance.now();
  const handle = await p.client.workflow.start(updateSteps, {
    taskQueue: p.bareQueue,
    workflowId: `bench-update-${randomUUID()}`,
    args: sized ? [steps, shape, caseInput] : [steps, shape],
  });
  for (let i = 0; i < steps; i += 1) await handle.executeUpdate(stepDone, { args: sized ? [i, result] : [i] });
  await handle.result();
  return performance.now() - t;
};
const shapes = {
  bare: async () => (await p.bareCase(steps)).ms,
  update: () => updateCase('update'),
  'update+timer': () => updateCase('timer'),
  'update+timer+dispatch': () => updateCase('dispatch'),
  'update+timer+dispatch, case-sized payloads': () => updateCase('dispatch', true),
  'bare, each activity a Kafka round trip': kafkaActivityCase,
  govmesh: async () => (await p.govmeshCase(steps)).ms,
};
try {
  for (const one of Object.values(shapes)) for (let i = 0; i < 3; i += 1) await one();
  const warm = Number(process.argv[5] ?? 0);
  if (warm > 0) await closedLoop(shapes.govmesh, concurrency, warm);
  const runs: Record<string, Array<Awaited<ReturnType<typeof closedLoop>>>> = {};
  for (let r = 0; r < rounds; r += 1)
    for (const [name, one] of Object.entries(shapes)) {
      (runs[name] ??= []).push(await closedLoop(one, concurrency, 2 * concurrency, p.enginePids));
      say(`round ${r + 1}: ${name}`);
    }
  const bare = median(runs.bare!.map((r) => r.perSecond));
  const viaKafkaPerSecond = median(runs['bare, each activity a Kafka round trip']!.map((r) => r.perSecond));
  say(
    `govmesh against the bare workflow whose activities reach the partner over Kafka: ${(median(runs.govmesh!.map((r) => r.perSecond)) / viaKafkaPerSecond).toFixed(2)}`,
  );
  for (const [name, loops] of Object.entries(runs)) {
    const perSecond = median(loops.map((r) => r.perSecond));
    const cpu = {
      bench: median(loops.map((r) => r.cpuMsPerRun)),
      ...Object.fromEntries(
        Object.keys(p.enginePids).map((e) => [e, median(loops.map((r) => r.engineCpuMsPerRun[e]!))]),
      ),
    };
    process.stdout.write(
      `${JSON.stringify({ shape: name, steps, concurrency, perSecond: +perSecond.toFixed(2), ratio: +(perSecond / bare).toFixed(2), cpuMsPerCase: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, +v.toFixed(1)])) })}\n`,
    );
  }
} finally {
  kafkaWorker.shutdown();
  await kafkaWorkerRunning;
  await native.close();
  await viaKafka.stop();
  await p.stop();
}
process.exit(0);
