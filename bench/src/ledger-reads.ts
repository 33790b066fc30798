// What a request for the scorecards costs the audit service: read from the ledger read model,
// which follows the ledger and reads only what is new, against a read of the whole ledger (what
// every request for the scorecards or the public figures did before), on the same synthetic ledger
// of three-task cases in SQLite. Also the longest the event loop waited during a whole-ledger read
// (every other request, and the appends, wait that long), and what the model holds per case.
// `npx tsx src/ledger-reads.ts [cases] [rounds]` prints it; `npm run bench` reports it.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { LedgerReadModel, SqliteLedgerStore, ledgerEntryOf, scorecardsOf } from '@govmesh/audit';
import { DOMAIN_EVENTS, type DomainEvent, type DomainEventKind } from '@govmesh/contracts/domain-events';

import { say, spread, type Spread } from './stats.js';

export interface LedgerReadFigures {
  readonly cases: number;
  readonly records: number;
  /** Each round appends this many cases, then asks the model for the scorecards. */
  readonly newCasesPerRequest: number;
  readonly wholeLedgerReadMs: Spread;
  readonly readModelRequestMs: Spread;
  readonly readModelFirstReadMs: number;
  /** The longest the event loop waited during one whole-ledger read. */
  readonly eventLoopLongestWaitMs: number;
  readonly readModelBytesPerCase: number;
  /** Writing the model's snapshot after its first read, and its size. */
  readonly snapshotWriteMs: number;
  readonly snapshotBytesPerCase: number;
  /** A start with that snapshot: taken back, then the records after it read (none here). */
  readonly startFromSnapshotMs: number;
}

let eventSeq = 0;
const T0 = 1_790_000_000_000;

/**
 * One case as the demo's three-step service writes it: 14 records, one case in five rated. Case k
 * starts `apartMs` after case k − 1: spread over more than the rating window (a case every 216 s
 * makes 20,000 cases 50 days), the model forgets the closed cases nobody rated in time.
 */
function caseEvents(k: number, apartMs: number): DomainEvent[] {
  const caseId = `case-${k.toString(36)}-0f3e2a1b-9c8d-4e7f-a6b5-c4d3e2f1a0b9`;
  let at = T0 + k * apartMs;
  const ev = (kind: DomainEventKind, data: Record<string, unknown>): DomainEvent => {
    eventSeq += 1;
    return {
      specversion: '1.0',
      id: `${caseId}/${eventSeq}`,
      source: kind === 'satisfactionRated' ? '/govmesh/api' : '/govmesh/worker',
      type: DOMAIN_EVENTS[kind].type,
      subject: caseId,
      time: new Date(at).toISOString(),
      datacontenttype: 'application/json',
      dataschema: `urn:govmesh:schema:${kind}`,
      data: { correlationId: caseId, causationId: `${caseId}/cause`, ...data },
    } as DomainEvent;
  };
  const events = [
    ev('caseSubmitted', {
      serviceId: `service-${k % 4}`,
      serviceVersion: 1,
      statutoryDeadline: new Date(at + 86_400_000).toISOString(),
    }),
  ];
  for (let s = 0; s < 3; s += 1) {
    const stepId = `check-${s}`;
    const taskId = `${caseId}:${stepId}`;
    const partnerId = `partner-${(k + s) % 6}`;
    at += 3;
    events.push(ev('stepStarted', { stepId, mode: 'outsourced' }));
    at += 2;
    events.push(
      ev('taskDispatched', {
        stepId,
        taskId,
        partnerId,
        taskType: `check-${s}@1`,
        attempt: 1,
        deadline: new Date(at + 5_000).toISOString(),
        sharedFields: ['applicant.name'],
      }),
    );
    at += 40 + (k % 50);
    events.push(ev('resultAccepted', { stepId, taskId, partnerId, attempt: 1, outcome: 'completed' }));
    at += 1;
    events.push(ev('stepCompleted', { stepId, mode: 'outsourced', outcome: 'completed' }));
  }
  at += 5;
  events.push(ev('caseCompleted', { decision: 'approved' }));
  at += 60_000;
  if (k % 5 === 0) events.push(ev('satisfactionRated', { score: 1 + (k % 5) }));
  return events;
}

async function appendCases(store: SqliteLedgerStore, from: number, count: number, apartMs: number): Promise<void> {
  for (let k = from; k < from + count; k += 500)
    await store.append(
      Array.from({ length: Math.min(500, from + count - k) }, (_, i) => caseEvents(k + i, apartMs))
        .flat()
        .map(ledgerEntryOf),
    );
}

/** A full collection, for the heap figure (the bench runs without --expose-gc). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

export async function ledgerReadsBench(
  cases: number,
  rounds: number,
  newCases = 50,
  apartMs = 1000,
): Promise<LedgerReadFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'govmesh-bench-reads-'));
  const store = new SqliteLedgerStore(join(dir, 'ledger.sqlite'));
  // Written only when asked (at a stop), so that the first read's time is the read alone.
  const snapshot = { file: join(dir, 'read-model.snapshot'), everyRecords: Number.MAX_SAFE_INTEGER };
  try {
    await appendCases(store, 0, cases, apartMs);
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const model = new LedgerReadModel(store, { snapshot });
    const firstStarted = performance.now();
    await model.catchUp();
    const readModelFirstReadMs = performance.now() - firstStarted;
    collectGarbage();
    const readModelBytesPerCase = (process.memoryUsage().heapUsed - heapBefore) / cases;
    const writeStarted = performance.now();
    await model.saveSnapshot();
    const snapshotWriteMs = performance.now() - writeStarted;
    const snapshotBytesPerCase = statSync(snapshot.file).size / cases;
    const startStarted = performance.now();
    await new LedgerReadModel(store, { snapshot }).catchUp();
    const startFromSnapshotMs = performance.now() - startStarted;

    const whole: number[] = [];
    const request: number[] = [];
    let longestWait = 0;
    let appended = cases;
    for (let r = 0; r < rounds; r += 1) {
      // A timer every 5 ms notes the longest gap between its turns: how long anything else waited.
      let last = performance.now();
      let longest = 0;
      const ticking = setInterval(() => {
        const now = performance.now();
        longest = Math.max(longest, now - last);
        last = now;
      }, 5);
      const t = performance.now();
      await scorecardsOf(store.records());
      whole.push(performance.now() - t);
      await new Promise((resolve) => setTimeout(resolve, 10)); // the timer's turn after the read
      clearInterval(ticking);
      longestWait = Math.max(longestWait, longest);

      await appendCases(store, appended, newCases, apartMs);
      appended += newCases;
      const m = performance.now();
      await model.scorecards();
      request.push(performance.now() - m);
    }
    const { seq: records } = await store.head();
    return {
      cases: appended,
      records,
      newCasesPerRequest: newCases,
      wholeLedgerReadMs: spread(whole),
      readModelRequestMs: spread(request),
      readModelFirstReadMs,
      eventLoopLongestWaitMs: longestWait,
      readModelBytesPerCase,
      snapshotWriteMs,
      snapshotBytesPerCase,
      startFromSnapshotMs,
    };
  } finally {
    await store.close();
    // A ledger of 100,000 cases is about a gigabyte: one was left behind each run before.
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('ledger-reads.ts')) {
  // npx tsx src/ledger-reads.ts [cases] [rounds] [seconds between cases]
  const figures = await ledgerReadsBench(
    Number(process.argv[2] ?? 20_000),
    Number(process.argv[3] ?? 3),
    50,
    Number(process.argv[4] ?? 1) * 1000,
  );
  say(JSON.stringify(figures, null, 2));
  say(
    `a request from the read model over a whole-ledger read: ${(figures.readModelRequestMs.median / figures.wholeLedgerReadMs.median).toFixed(3)}`,
  );
}
