import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import { domainEvent, heldAfter } from './ledger-fixtures.test-helpers.js';
import { ledgerEntryOf } from './ledger-record.js';
import { LedgerReadModel, ReadModelCatchingUp } from './ledger-read-model.js';
import type { LedgerStore } from './ledger-store.js';
import { SqliteLedgerStore } from './sqlite-ledger-store.js';

const submitted = (caseId: string) =>
  ledgerEntryOf(
    domainEvent('caseSubmitted', caseId, { serviceId: 'well-permit', serviceVersion: 1 }, '2026-11-23T09:00:00Z'),
  );

/** The ledger, with every read of its records noted: where it began, and how many ran at once. */
function watched(store: SqliteLedgerStore) {
  const reads: number[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const view: LedgerStore = Object.assign(Object.create(store) as LedgerStore, {
    async *facts(fromSeq = 1) {
      reads.push(fromSeq);
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      try {
        yield* store.facts(fromSeq);
      } finally {
        running -= 1;
      }
    },
  });
  return { view, reads, mostAtOnce: () => mostAtOnce };
}

describe('the ledger read model', () => {
  it('reads only what was appended since its last read, and each answer is read after it was asked', async () => {
    const store = new SqliteLedgerStore(':memory:');
    await store.append(Array.from({ length: 6_000 }, (_, i) => submitted(`case-${i}`)));
    const { view, reads } = watched(store);
    const model = new LedgerReadModel(view);
    expect((await model.transparency())[0]).toMatchObject({ received: 6_000 });
    await store.append([submitted('case-late')]);
    expect((await model.transparency())[0]).toMatchObject({ received: 6_001 });
    expect(reads).toEqual([1, 6_001]);
  });

  it('answers callers who ask at once with one read of the ledger, not one each', async () => {
    const store = new SqliteLedgerStore(':memory:');
    await store.append(Array.from({ length: 12_000 }, (_, i) => submitted(`case-${i}`)));
    const { view, reads, mostAtOnce } = watched(store);
    const model = new LedgerReadModel(view);
    const [figures] = await Promise.all([
      Promise.all(Array.from({ length: 10 }, () => model.transparency())),
      model.scorecards(),
      model.standings(),
    ]);
    expect(figures.map((a) => a[0]?.received)).toEqual(Array<number>(10).fill(12_000));
    expect(reads).toEqual([1]);
    // Asked while a read is under way: one more read after it, shared by both, never two at once.
    await store.append(Array.from({ length: 12_000 }, (_, i) => submitted(`case-more-${i}`)));
    const first = model.transparency();
    await new Promise((resolve) => setImmediate(resolve)); // the read is between two pages
    await store.append([submitted('case-late')]);
    const during = await Promise.all([model.transparency(), model.transparency()]);
    await first;
    expect(during.map((a) => a[0]?.received)).toEqual([24_001, 24_001]);
    expect(reads).toHaveLength(3);
    expect(reads.slice(0, 2)).toEqual([1, 12_001]);
    expect(mostAtOnce()).toBe(1);
  });

  it('refuses to keep a caller waiting through a long read: it says how far the read has come, then answers once done', async () => {
    const store = new SqliteLedgerStore(':memory:');
    await store.append(Array.from({ length: 3_000 }, (_, i) => submitted(`case-${i}`)));
    const { view, open } = heldAfter(store, 2_048);
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as never) });
    const model = new LedgerReadModel(view, { logger, progressEveryMs: 0 });
    void model.catchUp(); // the service's first read, at its start
    const refused = await model.scorecards({}, { answerWithinMs: 50 }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ReadModelCatchingUp);
    expect((refused as ReadModelCatchingUp).progress).toMatchObject({ read: 2_048, total: 3_000 });
    expect((refused as ReadModelCatchingUp).message).toMatch(
      /^the audit read model is reading the ledger: 2,048 of 3,000 records \(68 %\)(, about \d+ s left)?; ask again then$/,
    );
    expect(refused as ReadModelCatchingUp).toMatchObject({ code: 'AUDIT.CATCHING_UP', retriable: true });
    // The long read said how far it had come, in the log (every 1,024 records here).
    expect(lines.filter((l) => l.msg === 'ledger read model reading').map((l) => [l.read, l.total])).toEqual([
      [1_024, 3_000],
      [2_048, 3_000],
    ]);
    open();
    expect((await model.transparency({ answerWithinMs: 5_000 }))[0]).toMatchObject({ received: 3_000 });
    expect(model.progress).toBeUndefined();
  });

  it('answers within the bound when the read is short, with one read and no question of how long the ledger is', async () => {
    const store = new SqliteLedgerStore(':memory:');
    await store.append(Array.from({ length: 100 }, (_, i) => submitted(`case-${i}`)));
    const { view, reads } = watched(store);
    let heads = 0;
    const counted: LedgerStore = Object.assign(Object.create(view) as LedgerStore, {
      head: () => ((heads += 1), store.head()),
    });
    const model = new LedgerReadModel(counted);
    expect((await model.transparency({ answerWithinMs: 5_000 }))[0]).toMatchObject({ received: 100 });
    await store.append([submitted('case-late')]);
    expect((await model.scorecards({}, { answerWithinMs: 5_000 })).length).toBe(0);
    expect((await model.transparency({ answerWithinMs: 5_000 }))[0]).toMatchObject({ received: 101 });
    // Each answer is one read (the last found nothing new); none was long enough to ask for a total.
    expect(reads).toEqual([1, 101, 102]);
    expect(heads).toBe(0);
  });

  it('says how many records it has read when a read is refused before it has asked for the total', () => {
    expect(new ReadModelCatchingUp({ read: 1_024, total: undefined, secondsLeft: undefined }).message).toBe(
      'the audit read model is reading the ledger: 1,024 records so far; ask again then',
    );
  });
});
