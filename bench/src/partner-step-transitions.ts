// How much Temporal work one partner step costs, by how the result comes back to the case:
// a validated Update (govmesh's choice), a Signal, or completing the dispatch activity
// asynchronously. Figures are per case, as ratios to a bare dispatch measured in the same run.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { infraUp, loadInfraConfig } from '@govmesh/infra';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

import { loadBenchConfig } from './config.js';
import { createPartnerStepActivities } from './partner-step.activities.js';
import { bareStep, resultSignal, resultUpdate, stepViaAsyncCompletion, stepViaSignal, stepViaUpdate } from './partner-step.workflows.js';

const CASES = loadBenchConfig().BENCH_CASES;
const out = (line: string): boolean => process.stdout.write(`${line}\n`);

const infra = await infraUp(loadInfraConfig(), (e) => process.stderr.write(`[${e.engine}] ${e.message}\n`));
Runtime.install({ logger: new DefaultLogger('WARN') });
const address = infra.temporal.address;
const connection = await Connection.connect({ address });
const client = new Client({ connection });
const taskQueue = `bench-partner-step-${randomUUID()}`;

// The stand-in partner answers as soon as a task is dispatched, through the variant under test.
const answer = new Map<string, (activityId: string, workflowId: string) => Promise<void>>();
const worker = await Worker.create({
  connection: await NativeConnection.connect({ address }),
  taskQueue,
  workflowsPath: fileURLToPath(new URL('./partner-step.workflows.ts', import.meta.url)),
  activities: createPartnerStepActivities((taskId, activityId, workflowId) => {
    void answer.get(taskId)?.(activityId, workflowId);
  }),
});

type Variant = { name: string; workflow: (taskId: string) => Promise<string>; respond?: (taskId: string, activityId: string, workflowId: string) => Promise<void> };
const variants: Variant[] = [
  { name: 'bare dispatch (baseline)', workflow: bareStep },
  { name: 'result by Update (chosen)', workflow: stepViaUpdate, respond: async (t, _a, w) => void (await client.workflow.getHandle(w).executeUpdate(resultUpdate, { args: [`ok ${t}`] })) },
  { name: 'result by Signal', workflow: stepViaSignal, respond: (t, _a, w) => client.workflow.getHandle(w).signal(resultSignal, `ok ${t}`) },
  { name: 'async activity completion', workflow: stepViaAsyncCompletion, respond: (t, a, w) => client.activity.complete({ workflowId: w, activityId: a }, `ok ${t}`) },
];

const results = await worker.runUntil(async () => {
  const rows: Array<{ name: string; transitions: number; events: number; ms: number }> = [];
  for (const variant of variants) {
    let transitions = 0;
    let events = 0;
    const started = performance.now();
    for (let i = 0; i < CASES; i += 1) {
      const taskId = randomUUID();
      // A small delay stands for the partner's work, so the answer never races the dispatch.
      if (variant.respond) answer.set(taskId, (a, w) => new Promise((r) => setTimeout(r, 5)).then(() => variant.respond!(taskId, a, w)));
      const handle = await client.workflow.start(variant.workflow, { taskQueue, workflowId: `bench-${taskId}`, args: [taskId] });
      await handle.result();
      const described = await handle.describe();
      transitions += Number(described.raw.workflowExecutionInfo?.stateTransitionCount ?? 0);
      events += described.historyLength;
      answer.delete(taskId);
    }
    rows.push({ name: variant.name, transitions: transitions / CASES, events: events / CASES, ms: (performance.now() - started) / CASES });
  }
  return rows;
});

const base = results[0]!;
out(`partner step on Temporal ${address}, ${CASES} cases per variant, per case (ratio to the baseline in this run)`);
out(`${'variant'.padEnd(28)} ${'state transitions'.padEnd(22)} ${'history events'.padEnd(19)} latency`);
for (const r of results) {
  const ratio = (x: number, b: number): string => `${x.toFixed(1)} (${(x / b).toFixed(2)}x)`;
  out(`${r.name.padEnd(28)} ${ratio(r.transitions, base.transitions).padEnd(22)} ${ratio(r.events, base.events).padEnd(19)} ${ratio(r.ms, base.ms)} ms`);
}
await connection.close();
