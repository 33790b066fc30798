// `npm run bench -- --quick`: the three ratios govmesh tracks, each against a baseline measured in
// the same run, interleaved and repeated; writes bench/results/latest.json and prints a table.
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { SqliteLedgerStore, canonicalJson, ledgerEntryOf, verifyLedger } from '@govmesh/audit';
import { createResultBridge } from '@govmesh/bridge';
import { DOMAIN_EVENTS, type DomainEvent } from '@govmesh/contracts/domain-events';
import type { ServiceDefinition } from '@govmesh/contracts/service-definition';
import { infraUp, loadInfraConfig } from '@govmesh/infra';
import { CloudEventPublisher, createKafka, ensureTopics } from '@govmesh/messaging';
import { SAMPLE_OUTPUTS, createPartner } from '@govmesh/partner-sdk';
import { DEMO_AGENCY_ACTIVITIES, DEMO_REGISTRIES, PartnerDirectory, createCaseWorkers } from '@govmesh/worker';
import { serviceCase } from '@govmesh/workflows/service-case';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { pino } from 'pino';

import { awaitSignal, bareSteps, wake } from './quick.workflows.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 3;
const say = (line: string) => process.stderr.write(`${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const spread = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

// ── Ledger: append and verify against raw SHA-256 over the same bytes ──────────────────────────
function ledgerBench(events: number) {
  const entries = Array.from({ length: events }, (_, i) => {
    const caseId = `bench-${Math.floor(i / 10)}`;
    const event = {
      specversion: '1.0', id: `${caseId}/${i}`, source: '/govmesh/worker', type: DOMAIN_EVENTS.stepStarted.type, subject: caseId,
      time: new Date(1_790_000_000_000 + i).toISOString(), datacontenttype: 'application/json', dataschema: 'urn:govmesh:schema:bench',
      data: { correlationId: caseId, causationId: `${caseId}/${i - 1}`, stepId: `step-${i % 7}`, mode: 'outsourced' },
    } as DomainEvent;
    return ledgerEntryOf(event);
  });
  const bytes = entries.map((e) => Buffer.from(canonicalJson({ seq: 0, ...e, prevHash: '0'.repeat(64) })));
  return {
    raw(): number {
      const t = performance.now();
      for (const b of bytes) createHash('sha256').update(b).digest('hex');
      return events / ((performance.now() - t) / 1000);
    },
    async append(): Promise<{ append: number; verify: number }> {
      const store = new SqliteLedgerStore(join(mkdtempSync(join(tmpdir(), 'govmesh-bench-')), 'ledger.sqlite'));
      const t = performance.now();
      for (let i = 0; i < entries.length; i += 500) await store.append(entries.slice(i, i + 500));
      const append = events / ((performance.now() - t) / 1000);
      const v = performance.now();
      const verdict = await verifyLedger(store.records(), []);
      if (!verdict.ok) throw new Error('the bench ledger did not verify');
      const verify = events / ((performance.now() - v) / 1000);
      store.close();
      return { append, verify };
    },
  };
}

// ── The engines and a govmesh platform in this process ─────────────────────────────────────────
const infra = await infraUp(loadInfraConfig(), (e) => say(`[${e.engine}] ${e.message}`));
Runtime.install({ logger: new DefaultLogger('WARN') });
const logger = pino({ level: 'warn' });
const run = randomUUID().slice(0, 8);
const kafka = createKafka({ clientId: `bench-${run}`, brokers: infra.kafka.address.split(','), logger });
const partnerId = `bench-partner-${run}`;
await ensureTopics(kafka, [partnerId]);
const publisher = new CloudEventPublisher(kafka);
const native = await NativeConnection.connect({ address: infra.temporal.address });
const connection = await Connection.connect({ address: infra.temporal.address });
const client = new Client({ connection });
const caseQueue = `bench-cases-${run}`;
const bareQueue = `bench-bare-${run}`;
const profile = { id: partnerId, name: 'instant', capabilities: ['background-check@1'], terms: { 'background-check@1': { deadline: { hours: 1 }, capacity: 10_000 } }, status: 'active' as const };
const workers = await createCaseWorkers({
  connection: native, namespace: 'default', publisher, partners: new PartnerDirectory([profile]), registries: DEMO_REGISTRIES,
  agencies: DEMO_AGENCY_ACTIVITIES, logger, taskQueue: caseQueue,
});
const bareWorker = await Worker.create({
  connection: native, taskQueue: bareQueue, workflowsPath: fileURLToPath(new URL('./quick.workflows.ts', import.meta.url)),
  activities: { noop: () => Promise.resolve() },
});
const running = [...workers, bareWorker].map((w) => w.run());
const bridge = createResultBridge({ kafka, client, publisher, logger, groupId: `bench-bridge-${run}`, topicPattern: new RegExp(`^govmesh\\.results\\.${partnerId}$`) });
await bridge.start();
const partner = createPartner({ partnerId, kafka, logger, handlers: { 'background-check@1': (input) => Promise.resolve(SAMPLE_OUTPUTS['background-check@1']!(input)) } });
await partner.start();

const definition = (steps: number): ServiceDefinition => ({
  apiVersion: 'govmesh/v1', kind: 'Service', id: 'bench', version: 1, title: 'bench', ownerAgency: 'bench',
  application: { schema: 'business-licence-application@1' },
  steps: Array.from({ length: steps }, (_, i) => ({
    id: `check-${i}`, task: 'background-check@1', classification: { core: false, critical: false }, deadline: { hours: 1 },
    share: ['applicant.name', 'applicant.dateOfBirth'], partners: { select: 'first-eligible', maxReassignments: 0, fallback: { fail: true } },
  })),
});
const application = { applicant: { name: 'Bench', dateOfBirth: '1980-01-01', nationalId: 'B-1', email: 'b@example.org' }, business: { name: 'B', address: 'B', activity: 'b' } };

async function govmeshCase(steps: number): Promise<number> {
  const caseId = `bench-${randomUUID()}`;
  const t = performance.now();
  await (await client.workflow.start(serviceCase, { taskQueue: caseQueue, workflowId: caseId, args: [{ caseId, definition: definition(steps), application }] })).result();
  return performance.now() - t;
}
async function bareCase(steps: number): Promise<number> {
  const t = performance.now();
  await (await client.workflow.start(bareSteps, { taskQueue: bareQueue, workflowId: `bench-bare-${randomUUID()}`, args: [steps] })).result();
  return performance.now() - t;
}
async function closedLoop(kind: (steps: number) => Promise<number>, steps: number, concurrency: number, total: number): Promise<number> {
  let next = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      next += 1;
      await kind(steps);
    }
  }));
  return total / ((performance.now() - t) / 1000);
}

/** Raw Kafka ping-pong: request topic → echo consumer → reply topic, same acks and partitions. */
async function kafkaPingPong(samples: number): Promise<number[]> {
  const ping = `bench.ping.${run}`;
  const pong = `bench.pong.${run}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [ping, pong].map((topic) => ({ topic, numPartitions: 6 })), waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const echo = kafka.consumer({ groupId: `bench-echo-${run}` });
  await echo.connect();
  await echo.subscribe({ topics: [ping] });
  await echo.run({ eachMessage: async ({ message }) => void (await producer.send({ topic: pong, acks: -1, messages: [{ key: message.key, value: message.value }] })) });
  const waiting = new Map<string, () => void>();
  const replies = kafka.consumer({ groupId: `bench-replies-${run}` });
  await replies.connect();
  await replies.subscribe({ topics: [pong] });
  await replies.run({ eachMessage: ({ message }) => (waiting.get(message.key!.toString())?.(), Promise.resolve()) });
  await new Promise((r) => setTimeout(r, 3_000)); // both groups settled
  const payload = Buffer.alloc(600, 'x'); // about the size of a task.assigned message
  const latencies: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    const key = randomUUID();
    const t = performance.now();
    const done = new Promise<void>((resolve) => waiting.set(key, resolve));
    await producer.send({ topic: ping, acks: -1, messages: [{ key, value: payload }] });
    await done;
    latencies.push(performance.now() - t);
  }
  await Promise.all([echo.disconnect(), replies.disconnect(), producer.disconnect()]);
  return latencies;
}
async function signalWake(samples: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    const t = performance.now();
    const handle = await client.workflow.start(awaitSignal, { taskQueue: bareQueue, workflowId: `bench-wake-${randomUUID()}` });
    await handle.signal(wake);
    await handle.result();
    latencies.push(performance.now() - t);
  }
  return latencies;
}

const started = performance.now();
const results: Record<string, unknown> = {};
try {
  say('ledger: append and verify vs raw SHA-256 over the same bytes …');
  const ledger = ledgerBench(quick ? 20_000 : 100_000);
  const raw: number[] = [];
  const append: number[] = [];
  const verify: number[] = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    raw.push(ledger.raw());
    const a = await ledger.append();
    append.push(a.append);
    verify.push(a.verify);
  }
  results.ledger = { events: quick ? 20_000 : 100_000, rawSha256PerSecond: spread(raw), appendPerSecond: spread(append), verifyPerSecond: spread(verify) };

  for (let i = 0; i < 3; i += 1) await govmeshCase(1); // warm-up: bundles, caches, consumer groups
  for (let i = 0; i < 3; i += 1) await bareCase(1);
  const throughput: Record<string, { bare: ReturnType<typeof spread>; govmesh: ReturnType<typeof spread> }> = {};
  for (const steps of [1, 3]) {
    for (const concurrency of quick ? [8] : [1, 8, 32]) {
      say(`throughput: ${steps} step(s), ${concurrency} concurrent cases …`);
      const bare: number[] = [];
      const gov: number[] = [];
      for (let r = 0; r < ROUNDS; r += 1) {
        bare.push(await closedLoop(bareCase, steps, concurrency, quick ? 24 : 80));
        gov.push(await closedLoop(govmeshCase, steps, concurrency, quick ? 24 : 80));
      }
      throughput[`${steps} steps × ${concurrency}`] = { bare: spread(bare), govmesh: spread(gov) };
    }
  }
  results.caseThroughput = throughput;

  say('dispatch to resume: one partner step vs raw Kafka ping-pong + a bare signal …');
  const samples = quick ? 15 : 50;
  const pingPong = await kafkaPingPong(samples);
  const signal = await signalWake(samples);
  const oneStep: number[] = [];
  for (let i = 0; i < samples; i += 1) oneStep.push(await govmeshCase(1));
  results.dispatchToResume = {
    kafkaPingPongMs: { p50: median(pingPong), p99: pct(pingPong, 99) },
    bareSignalMs: { p50: median(signal), p99: pct(signal, 99) },
    govmeshOneStepCaseMs: { p50: median(oneStep), p99: pct(oneStep, 99) },
  };

  const key = '3 steps × 8';
  const t3 = throughput[key]!;
  const d = results.dispatchToResume as { kafkaPingPongMs: { p50: number }; bareSignalMs: { p50: number }; govmeshOneStepCaseMs: { p50: number } };
  const ratios = {
    caseThroughput: t3.govmesh.median / t3.bare.median,
    dispatchToResume: d.govmeshOneStepCaseMs.p50 / (d.kafkaPingPongMs.p50 + d.bareSignalMs.p50),
    ledgerAppend: median(append) / median(raw),
  };
  const machine = { cpus: (await import('node:os')).cpus().length, model: (await import('node:os')).cpus()[0]?.model ?? '?', node: process.version };
  const out = { quick, at: new Date().toISOString(), seconds: Math.round((performance.now() - started) / 1000), machine, ratios, targets: { caseThroughput: '≥ 0.8', dispatchToResume: '≤ 1.5', ledgerAppend: '≥ 0.5' }, ...results };
  const dir = fileURLToPath(new URL('../results', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(out, null, 2)}\n`);
  const f = (x: number) => x.toFixed(2);
  const table = [
    `| measure | govmesh | baseline | ratio | target |`,
    `|---|---|---|---|---|`,
    `| cases/s, 3 partner steps, 8 concurrent | ${f(t3.govmesh.median)} (${f(t3.govmesh.min)}–${f(t3.govmesh.max)}) | bare workflow, 3 no-op activities: ${f(t3.bare.median)} (${f(t3.bare.min)}–${f(t3.bare.max)}) | ${f(ratios.caseThroughput)} | ≥ 0.8 |`,
    `| one partner step, case start to end, p50 ms | ${f(d.govmeshOneStepCaseMs.p50)} | Kafka ping-pong ${f(d.kafkaPingPongMs.p50)} + bare signal ${f(d.bareSignalMs.p50)} | ${f(ratios.dispatchToResume)} | ≤ 1.5 |`,
    `| ledger appends/s | ${f(median(append))} | raw SHA-256 of the same bytes: ${f(median(raw))} | ${f(ratios.ledgerAppend)} | ≥ 0.5 |`,
    `| ledger verifies/s | ${f(median(verify))} | | ${f(median(verify) / median(raw))} | |`,
  ].join('\n');
  process.stdout.write(`${table}\n\nmachine: ${machine.cpus} × ${machine.model}, Node ${machine.node}; ${out.seconds} s; written to bench/results/latest.json\n`);
} finally {
  await partner.stop();
  await bridge.stop();
  [...workers, bareWorker].forEach((w) => w.shutdown());
  await Promise.all(running);
  await publisher.close();
  await connection.close();
  await native.close();
}
