// `npm run bench [-- --quick]`: what government control costs, each figure against a baseline
// measured in the same run, interleaved and repeated; writes bench/results/latest.{json,md}.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startBenchPlatform } from './bench-platform.js';
import { bridgeWake, kafkaPingPong, messagingPath, signalWake } from './floors.js';
import { saslCost, type SaslCost } from './sasl-cost.js';
import { inboxBench, type InboxFigures } from './inbox.js';
import { ledgerBench } from './ledger-bench.js';
import { ledgerReadsBench, type LedgerReadFigures } from './ledger-reads.js';
import { throughputPoint, type ThroughputPoint } from './throughput-point.js';
import { scaleBench } from './scale.js';
import { latency, median, say, spread, type Latency, type Spread } from './stats.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 3;
const STEPS = [1, 3, 10] as const;
const started = performance.now();
const elapsed = () => `${Math.round((performance.now() - started) / 1000)} s`;

// ── 5. Ledger: append and verify against a raw batched insert and read of the same rows ────────────────────────
const events = quick ? 20_000 : 100_000;
say(`[${elapsed()}] ledger: ${events} events, append and verify vs a raw insert and read of the same rows …`);
const ledger = await ledgerBench(events);
const [raw, rawInsert, append, verify, rawRead]: [number[], number[], number[], number[], number[]] = [
  [],
  [],
  [],
  [],
  [],
];
for (let r = 0; r < ROUNDS; r += 1) {
  raw.push(ledger.raw());
  rawInsert.push(ledger.rawInsert());
  const a = await ledger.append();
  append.push(a.append);
  verify.push(a.verify);
  rawRead.push(a.rawRead);
}

const readCases = quick ? 20_000 : 100_000;
say(`[${elapsed()}] ledger reads: the scorecards from the read model vs a read of ${readCases} cases' ledger …`);
const ledgerReads = await ledgerReadsBench(readCases, ROUNDS);

const p = await startBenchPlatform().catch((err: unknown) => {
  say(`the bench could not start its platform: ${(err as Error).name}: ${(err as Error).message}`);
  process.exit(1);
});
const results: Record<string, unknown> = {
  ledger: {
    events,
    rawSha256PerSecond: spread(raw),
    rawInsertPerSecond: spread(rawInsert),
    appendPerSecond: spread(append),
    rawReadPerSecond: spread(rawRead),
    verifyPerSecond: spread(verify),
  },
  ledgerReads,
};
try {
  for (let i = 0; i < 3; i += 1) await p.govmeshCase(1); // warm-up: bundles, caches, consumer groups
  for (let i = 0; i < 3; i += 1) await p.bareCase(1);

  // ── 2a. Latency per step at concurrency 1, and Temporal state transitions per step ──────────
  const perCase: Record<
    number,
    { bare: number[]; govmesh: number[]; bareTransitions: number; govmeshTransitions: number }
  > = {};
  for (const steps of STEPS) {
    say(`[${elapsed()}] latency: ${steps} step(s), one case at a time …`);
    const row = { bare: [] as number[], govmesh: [] as number[], bareTransitions: 0, govmeshTransitions: 0 };
    for (let i = 0; i < (quick ? 4 : 10); i += 1) {
      const b = await p.bareCase(steps);
      const g = await p.govmeshCase(steps);
      row.bare.push(b.ms);
      row.govmesh.push(g.ms);
      if (i === 0)
        [row.bareTransitions, row.govmeshTransitions] = [await p.transitions(b.handle), await p.transitions(g.handle)];
    }
    perCase[steps] = row;
  }
  // What one more step costs: the slope between 1 and 10 steps, free of the case's start and end.
  const slope = (k: 'bare' | 'govmesh') => (median(perCase[10]![k]) - median(perCase[1]![k])) / 9;
  const transitionSlope = (k: 'bareTransitions' | 'govmeshTransitions') => (perCase[10]![k] - perCase[1]![k]) / 9;
  results.perStep = {
    caseMs: Object.fromEntries(
      STEPS.map((n) => [n, { bare: spread(perCase[n]!.bare), govmesh: spread(perCase[n]!.govmesh) }]),
    ),
    stateTransitions: Object.fromEntries(
      STEPS.map((n) => [n, { bare: perCase[n]!.bareTransitions, govmesh: perCase[n]!.govmeshTransitions }]),
    ),
    msPerStep: { bare: slope('bare'), govmesh: slope('govmesh') },
    transitionsPerStep: { bare: transitionSlope('bareTransitions'), govmesh: transitionSlope('govmeshTransitions') },
  };

  // ── 2b. Cases per second in a closed loop ───────────────────────────────────────────────────
  const sweep: Array<[number, number]> = quick
    ? [
        [1, 8],
        [3, 1],
        [3, 8],
        [3, 32],
        [3, 128],
        [10, 8],
      ]
    : STEPS.flatMap((n) => [1, 8, 32, 128].map((c): [number, number] => [n, c]));
  const throughput: Record<string, ThroughputPoint> = {};
  for (const [steps, concurrency] of sweep) {
    const total =
      concurrency === 1 ? (quick ? 6 : 20) : quick ? Math.max(16, concurrency) : Math.max(60, 2 * concurrency);
    say(
      `[${elapsed()}] throughput: ${steps} step(s), ${concurrency} concurrent, ${total} cases × ${ROUNDS} rounds each …`,
    );
    throughput[`${steps}x${concurrency}`] = await throughputPoint(p, steps, concurrency, total, ROUNDS, {
      withKafkaActivity: true,
    });
  }
  results.caseThroughput = throughput;
  // The tracked figure is the sweep's worst point with cases at once (8 and more), not one point.
  const concurrent = Object.entries(throughput).filter(([k]) => Number(k.split('x')[1]) >= 8);
  const worst = concurrent.reduce((a, b) => (b[1].ratio < a[1].ratio ? b : a));
  // Reported beside it, not a target: the same minimum against the bare workflow whose activities
  // reach the partner over Kafka, i.e. what govmesh costs beyond the partner hop itself.
  const worstAgainstKafka = concurrent.reduce((a, b) =>
    b[1].ratioToKafkaActivity! < a[1].ratioToKafkaActivity! ? b : a,
  );

  // ── 1. Kafka floor: raw ping-pong against dispatch → partner SDK → result → bridge ──────────
  const kafkaFloor: Record<string, { pingPong: Latency; govmesh: Latency }> = {};
  for (const inFlight of [1, 32]) {
    say(`[${elapsed()}] Kafka floor: ${inFlight} in flight …`);
    const samples = inFlight === 1 ? (quick ? 40 : 200) : quick ? 640 : 3200;
    kafkaFloor[inFlight] = {
      pingPong: await kafkaPingPong(p, inFlight, samples),
      govmesh: await messagingPath(p, inFlight, samples),
    };
  }
  results.kafkaFloor = kafkaFloor;

  // ── 1b. What SASL costs: the same ping-pong against a plaintext broker started beside ours ────
  say(`[${elapsed()}] SASL cost: ping-pong on the SASL/SCRAM broker and on a plaintext one …`);
  results.saslCost = await saslCost(p, [
    { inFlight: 1, samples: quick ? 40 : 200 },
    { inFlight: 32, samples: quick ? 640 : 3200 },
  ]);

  // ── 3. Wake-up: a client signal against a partner result through the bridge ─────────────────
  say(`[${elapsed()}] wake-up: a signal vs a partner result through the bridge …`);
  const [signal, bridge]: [number[], number[]] = [[], []];
  for (let r = 0; r < ROUNDS; r += 1) {
    signal.push(...(await signalWake(p, quick ? 10 : 30)));
    bridge.push(...(await bridgeWake(p, quick ? 10 : 30)));
  }
  results.wakeUp = { signalMs: latency(signal, 1), bridgeResultMs: latency(bridge, 1) };

  // ── 4. Scale: memory of the worker and the bridge with many cases open ──────────────────────
  const levels = quick ? [250, 1_000] : [1_000, 10_000];
  say(`[${elapsed()}] scale: ${levels.join(' and ')} cases open at once, waiting on a partner that never answers …`);
  results.scale = await scaleBench(p, levels);

  // ── 6. The officers' inbox: one visibility query with many cases waiting for an officer ──────
  const inboxLevels = quick ? [1_000] : [1_000, 10_000];
  say(
    `[${elapsed()}] inbox: ${inboxLevels.join(' and ')} cases waiting for an officer, the inbox read ${quick ? 20 : 50} times …`,
  );
  results.inbox = await inboxBench(p, inboxLevels, quick ? 20 : 50);

  // ── The tracked ratios ──────────────────────────────────────────────────────────────────────
  const per = results.perStep as { msPerStep: { govmesh: number } };
  const pingPong1 = kafkaFloor[1]!.pingPong.p50;
  const ratios = {
    caseThroughput: worst[1].ratio,
    caseThroughputAgainstKafkaActivity: worstAgainstKafka[1].ratioToKafkaActivity!,
    dispatchToResume: per.msPerStep.govmesh / (pingPong1 + median(signal)),
    ledgerAppend: median(append) / median(rawInsert),
    ledgerRead: ledgerReads.readModelRequestMs.median / ledgerReads.wholeLedgerReadMs.median,
  };
  const machine = {
    cpus: cpus().length,
    model: cpus()[0]?.model ?? '?',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  const out = {
    quick,
    at: new Date().toISOString(),
    seconds: Math.round((performance.now() - started) / 1000),
    machine,
    ratios,
    definitions: {
      caseThroughput:
        'the lowest, over the sweep at 8 or more cases at once, of govmesh cases/s (n partner steps) over bare workflows/s (n no-op activities), closed loop',
      caseThroughputAt: 'the sweep point (steps x concurrent) that gave caseThroughput',
      caseThroughputAgainstKafkaActivity:
        'reported, no target: the lowest, over the same points, of govmesh cases/s over the bare workflow whose n activities each make a round trip to a partner over Kafka (request topic, plain kafkajs partner echoing it, reply topic)',
      dispatchToResume:
        'what one more partner step adds to a govmesh case (slope from 1 to 10 steps, one case at a time) over raw Kafka ping-pong p50 + a bare signal wake-up p50',
      ledgerAppend:
        'ledger appends/s over a raw batched INSERT/s of the same rows into the same SQLite table (WAL, synchronous FULL, 500 rows a transaction)',
      ledgerRead:
        'a request for the scorecards from the ledger read model, 50 new cases since the last, over a read of the whole ledger into scorecards (what each request did before), same SQLite ledger',
    },
    caseThroughputAt: worst[0],
    caseThroughputAgainstKafkaActivityAt: worstAgainstKafka[0],
    targets: { caseThroughput: '≥ 1.0', dispatchToResume: '≤ 1.0', ledgerAppend: '≥ 0.5', ledgerRead: '≤ 0.05' },
    ...results,
  };
  const dir = fileURLToPath(new URL('../results', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(out, null, 2)}\n`);
  const markdown = report(out as unknown as Report);
  writeFileSync(join(dir, 'latest.md'), markdown);
  process.stdout.write(`${markdown}\nwritten to bench/results/latest.json and latest.md in ${out.seconds} s\n`);
} finally {
  await p.stop();
}

interface Report {
  ratios: Record<
    'caseThroughput' | 'caseThroughputAgainstKafkaActivity' | 'dispatchToResume' | 'ledgerAppend' | 'ledgerRead',
    number
  >;
  machine: { cpus: number; model: string; memoryGiB: number; node: string };
  perStep: {
    caseMs: Record<string, { bare: Spread; govmesh: Spread }>;
    stateTransitions: Record<string, { bare: number; govmesh: number }>;
    msPerStep: { bare: number; govmesh: number };
    transitionsPerStep: { bare: number; govmesh: number };
  };
  caseThroughputAt: string;
  caseThroughputAgainstKafkaActivityAt: string;
  caseThroughput: Record<string, ThroughputPoint>;
  kafkaFloor: Record<string, { pingPong: Latency; govmesh: Latency }>;
  saslCost: SaslCost[];
  wakeUp: { signalMs: Latency; bridgeResultMs: Latency };
  scale: {
    workerMaxCachedCases: number;
    idle: { workerRssMiB: number; bridgeRssMiB: number };
    levels: Array<{ openCases: number; workerRssMiB: number; bridgeRssMiB: number; secondsToDispatchAll: number }>;
  };
  ledger: {
    events: number;
    rawSha256PerSecond: Spread;
    rawInsertPerSecond: Spread;
    appendPerSecond: Spread;
    rawReadPerSecond: Spread;
    verifyPerSecond: Spread;
  };
  inbox: InboxFigures[];
  ledgerReads: LedgerReadFigures;
}

function report(r: Report): string {
  const f = (x: number, d = 2) => x.toFixed(d);
  const s = (x: Spread, d = 2) => `${f(x.median, d)} (${f(x.min, d)}–${f(x.max, d)})`;
  const lines = [
    `## Tracked ratios`,
    '',
    `| ratio | result | target |`,
    `|---|---|---|`,
    `| caseThroughput (lowest at 8+ concurrent: ${r.caseThroughputAt.replace('x', ' × ')}) | ${f(r.ratios.caseThroughput)} | ≥ 1.0 |`,
    `| caseThroughput against the bare workflow whose activities reach the partner over Kafka (lowest at 8+ concurrent: ${r.caseThroughputAgainstKafkaActivityAt.replace('x', ' × ')}) | ${f(r.ratios.caseThroughputAgainstKafkaActivity)} | reported, no target |`,
    `| dispatchToResume | ${f(r.ratios.dispatchToResume)} | ≤ 1.0 |`,
    `| ledgerAppend | ${f(r.ratios.ledgerAppend)} | ≥ 0.5 |`,
    `| ledgerRead | ${f(r.ratios.ledgerRead, 3)} | ≤ 0.05 |`,
    '',
    `## Temporal floor: one case at a time`,
    '',
    `| steps | bare workflow ms | govmesh case ms | transitions bare | transitions govmesh |`,
    `|---|---|---|---|---|`,
    ...Object.entries(r.perStep.caseMs).map(
      ([n, v]) =>
        `| ${n} | ${s(v.bare, 1)} | ${s(v.govmesh, 1)} | ${r.perStep.stateTransitions[n]!.bare} | ${r.perStep.stateTransitions[n]!.govmesh} |`,
    ),
    `| per step | ${f(r.perStep.msPerStep.bare, 1)} | ${f(r.perStep.msPerStep.govmesh, 1)} | ${f(r.perStep.transitionsPerStep.bare, 1)} | ${f(r.perStep.transitionsPerStep.govmesh, 1)} |`,
    '',
    `## Cases per second, closed loop (median of rounds, spread in brackets)`,
    '',
    `| steps × concurrent | bare workflow | govmesh | ratio | bare, activities over Kafka | govmesh / that | CPU ms per case, bare / govmesh: bench process | its threads: main · workflow · runtime · core, bare / govmesh | Temporal | Kafka | offset-log records per govmesh case |`,
    `|---|---|---|---|---|---|---|---|---|---|---|`,
    ...Object.entries(r.caseThroughput).map(([k, v]) => {
      const c = (where: string) =>
        v.cpuMsPerCase.bare[where] === undefined
          ? '–'
          : `${f(v.cpuMsPerCase.bare[where], 1)} / ${f(v.cpuMsPerCase.govmesh[where]!, 1)}`;
      const split = (shape: 'bare' | 'govmesh') =>
        (['main', 'workflow', 'runtime', 'core'] as const)
          .map((k) => f(v.cpuMsPerCase[shape][`bench.${k}`] ?? Number.NaN, 1))
          .join(' · ');
      const threads = v.cpuMsPerCase.bare['bench.main'] === undefined ? '–' : `${split('bare')} / ${split('govmesh')}`;
      const overKafka = v.kafkaActivity ? `${s(v.kafkaActivity)} | ${f(v.ratioToKafkaActivity!)}` : '– | –';
      return `| ${k.replace('x', ' × ')} | ${s(v.bare)} | ${s(v.govmesh)} | ${f(v.ratio)} | ${overKafka} | ${c('bench')} | ${threads} | ${c('temporal')} | ${c('kafka')} | ${v.offsetRecordsPerCase === undefined ? '–' : f(v.offsetRecordsPerCase, 1)} |`;
    }),
    '',
    `## Kafka floor: raw ping-pong vs dispatch → partner SDK → result → bridge (case step stubbed)`,
    '',
    `| in flight | ping-pong p50 / p99 ms | govmesh p50 / p99 ms | ping-pong msg/s | govmesh msg/s |`,
    `|---|---|---|---|---|`,
    ...Object.entries(r.kafkaFloor).map(
      ([k, v]) =>
        `| ${k} | ${f(v.pingPong.p50, 1)} / ${f(v.pingPong.p99, 1)} | ${f(v.govmesh.p50, 1)} / ${f(v.govmesh.p99, 1)} | ${f(v.pingPong.perSecond, 0)} | ${f(v.govmesh.perSecond, 0)} |`,
    ),
    '',
    `## What SASL/SCRAM costs: raw ping-pong, the same run, a plaintext broker of the same build beside ours`,
    '',
    `| in flight | SASL p50 / p99 ms | plaintext p50 / p99 ms | SASL msg/s | plaintext msg/s | msg/s ratio SASL / plaintext |`,
    `|---|---|---|---|---|---|`,
    ...r.saslCost.map(
      (c) =>
        `| ${c.inFlight} | ${f(c.sasl.p50, 1)} / ${f(c.sasl.p99, 1)} | ${f(c.plaintext.p50, 1)} / ${f(c.plaintext.p99, 1)} | ${f(c.sasl.perSecond, 0)} | ${f(c.plaintext.perSecond, 0)} | ${f(c.sasl.perSecond / c.plaintext.perSecond)} |`,
    ),
    '',
    `## Wake-up: a waiting workflow woken by a client signal vs by a partner result through the bridge`,
    '',
    `| path | p50 ms | p99 ms |`,
    `|---|---|---|`,
    `| client signal | ${f(r.wakeUp.signalMs.p50, 1)} | ${f(r.wakeUp.signalMs.p99, 1)} |`,
    `| result topic → bridge → Update | ${f(r.wakeUp.bridgeResultMs.p50, 1)} | ${f(r.wakeUp.bridgeResultMs.p99, 1)} |`,
    '',
    `## Scale: cases open at once, waiting on a partner (worker and bridge as their own processes; worker case cache ${r.scale.workerMaxCachedCases})`,
    '',
    `| open cases | worker RSS MiB | bridge RSS MiB | seconds to dispatch all |`,
    `|---|---|---|---|`,
    `| 0 | ${f(r.scale.idle.workerRssMiB, 0)} | ${f(r.scale.idle.bridgeRssMiB, 0)} | |`,
    ...r.scale.levels.map(
      (l) => `| ${l.openCases} | ${f(l.workerRssMiB, 0)} | ${f(l.bridgeRssMiB, 0)} | ${f(l.secondsToDispatchAll, 1)} |`,
    ),
    '',
    `## The officers' inbox: cases waiting for an officer, the inbox as GET /v1/tasks reads it`,
    '',
    `| open cases | the whole inbox (one visibility query) p50 / p99 ms | one page (pageSize) p50 / p99 ms | asking every case for its state, ms |`,
    `|---|---|---|---|`,
    ...r.inbox.map(
      (i) =>
        `| ${i.openCases} | ${f(i.oneQueryMs.p50, 0)} / ${f(i.oneQueryMs.p99, 0)} | ${f(i.onePageMs.p50, 0)} / ${f(i.onePageMs.p99, 0)} (${i.onePageMs.pageSize}) | ${f(i.askingEachCaseMs, 0)} |`,
    ),
    '',
    `## Ledger: ${r.ledger.events} events`,
    '',
    `| measure | per second |`,
    `|---|---|`,
    `| raw SHA-256 of the same bytes | ${s(r.ledger.rawSha256PerSecond, 0)} |`,
    `| raw batched INSERT of the same rows (the floor for append) | ${s(r.ledger.rawInsertPerSecond, 0)} |`,
    `| append | ${s(r.ledger.appendPerSecond, 0)} |`,
    `| raw read of the same rows (the floor for verify) | ${s(r.ledger.rawReadPerSecond, 0)} |`,
    `| verify | ${s(r.ledger.verifyPerSecond, 0)} |`,
    '',
    `## Ledger reads: ${r.ledgerReads.cases} cases, ${r.ledgerReads.records} records`,
    '',
    `| measure | ms |`,
    `|---|---|`,
    `| a read of the whole ledger into scorecards (each request before) | ${s(r.ledgerReads.wholeLedgerReadMs, 0)} |`,
    `| a request for the scorecards from the read model, ${r.ledgerReads.newCasesPerRequest} new cases since the last | ${s(r.ledgerReads.readModelRequestMs, 1)} |`,
    `| the read model's first read (once, at the service's start) | ${f(r.ledgerReads.readModelFirstReadMs, 0)} |`,
    `| writing its snapshot (at a stop, and every 250,000 records read) | ${f(r.ledgerReads.snapshotWriteMs, 0)} |`,
    `| a start from that snapshot, instead of the first read | ${f(r.ledgerReads.startFromSnapshotMs, 0)} |`,
    `| the longest the event loop waited during a whole-ledger read | ${f(r.ledgerReads.eventLoopLongestWaitMs, 0)} |`,
    '',
    `The read model holds ${f(r.ledgerReads.readModelBytesPerCase, 0)} bytes a case (one in five rated); its snapshot ${f(r.ledgerReads.snapshotBytesPerCase, 0)}.`,
    '',
    `Machine: ${r.machine.cpus} × ${r.machine.model}, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}.`,
    '',
  ];
  return lines.join('\n');
}
