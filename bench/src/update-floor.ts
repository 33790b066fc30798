// The Temporal floor of a govmesh partner step's shape (`npx tsx src/update-floor.ts [steps] [concurrency] [rounds] [warm-up govmesh cases]`):
// cases/s and CPU ms per case of N steps each ended by an Update from this process (as the bridge
// ends a case's step), with a per-step deadline timer, and with a local-activity dispatch too,
// beside the bare workflow of N no-op activities and the govmesh case, in one run. And the bare
// workflow whose activity reaches a partner over Kafka and waits for its answer (a request topic,
// an echoing partner, a reply topic): how a Temporal shop without govmesh would reach a partner.
import { randomUUID } from 'node:crypto';

import { SAMPLE_OUTPUTS } from '@govmesh/partner-sdk';

import { application, benchContracts, benchDefinition, startBenchPlatform } from './bench-platform.js';
import { stepDone, updateSteps } from './quick.workflows.js';
import { closedLoop, median, medianCpuMsPerRun, say, type ClosedLoop } from './stats.js';

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
  'bare, each activity a Kafka round trip': async () => (await p.kafkaActivityCase(steps)).ms,
  govmesh: async () => (await p.govmeshCase(steps)).ms,
};
try {
  for (const one of Object.values(shapes)) for (let i = 0; i < 3; i += 1) await one();
  const warm = Number(process.argv[5] ?? 0);
  if (warm > 0) await closedLoop(shapes.govmesh, concurrency, warm);
  const runs: Record<string, ClosedLoop[]> = {};
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
    const cpu = medianCpuMsPerRun(loops, p.enginePids);
    process.stdout.write(
      `${JSON.stringify({ shape: name, steps, concurrency, perSecond: +perSecond.toFixed(2), ratio: +(perSecond / bare).toFixed(2), cpuMsPerCase: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, +v.toFixed(1)])) })}\n`,
    );
  }
} finally {
  await p.stop();
}
process.exit(0);
