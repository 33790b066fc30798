import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import { domainEvent, hashesHeld, heldAfter, variedCase } from './ledger-fixtures.test-helpers.js';
import { ledgerEntryOf } from './ledger-record.js';
import { LedgerReadModel, ReadModelCatchingUp, ReadModelSavingSnapshot } from './ledger-read-model.js';
import { snapshotHeader } from './read-model-snapshot.js';
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

describe("the ledger read model's snapshot", () => {
  const cases = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => variedCase(from + i, 97 * 60_000))
      .flat()
      .map(ledgerEntryOf);
  const logged = () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as never) });
    return { logger, lines, said: (msg: string) => lines.filter((l) => l.msg === msg) };
  };
  /** Everything a model answers, to compare one with another. */
  const answers = async (model: LedgerReadModel) => ({
    scorecards: await model.scorecards(),
    lastWeek: await model.scorecards({ from: new Date('2026-09-20T00:00:00Z') }),
    standings: await model.standings(),
    transparency: await model.transparency(),
  });

  it('lets a start read only the records after it, and answer as a read of the whole ledger would', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'govmesh-snapshot-')), 'read-model.snapshot');
    const store = new SqliteLedgerStore(':memory:');
    await store.append(cases(0, 300));
    const first = logged();
    const before = new LedgerReadModel(store, { logger: first.logger, snapshot: { file, everyRecords: 1_000 } });
    await before.transparency();
    // Past 1,000 records read: written once that read was done.
    expect(first.said('ledger read model snapshot written')).toEqual([
      expect.objectContaining({ seq: before.seq, bytes: statSync(file).size }),
    ]);
    await store.append(cases(300, 40));
    // The next start: the snapshot, then only what came after it.
    const { view, reads } = watched(store);
    const next = logged();
    const restarted = new LedgerReadModel(view, { logger: next.logger, snapshot: { file } });
    const whole = new LedgerReadModel(store);
    expect(await answers(restarted)).toEqual(await answers(whole));
    expect(reads[0]).toBe(before.seq + 1);
    expect(next.said('ledger read model taken from its snapshot; reading the records after it')).toEqual([
      expect.objectContaining({ seq: before.seq }),
    ]);
    // Under the 250,000 records of the default, nothing more is written until the service stops.
    expect(next.said('ledger read model snapshot written')).toEqual([]);
    await restarted.saveSnapshot();
    expect(next.said('ledger read model snapshot written')).toEqual([expect.objectContaining({ seq: whole.seq })]);
    await restarted.saveSnapshot(); // nothing new: not written again
    expect(next.said('ledger read model snapshot written')).toHaveLength(1);
  });

  it('writes, when asked at a stop during a read, a snapshot holding what was appended before it was asked', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'govmesh-snapshot-')), 'read-model.snapshot');
    const store = new SqliteLedgerStore(':memory:');
    await store.append(cases(0, 200));
    const { view, open } = heldAfter(store, 1_024);
    const model = new LedgerReadModel(view, { snapshot: { file, everyRecords: 10_000_000 } });
    const first = model.catchUp(); // under way, held part-way
    await new Promise((resolve) => setImmediate(resolve));
    await store.append(cases(200, 10));
    const saved = model.saveSnapshot(); // the service stops
    open();
    await Promise.all([first, saved]);
    expect(await snapshotHeader(file)).toMatchObject({ seq: (await store.head()).seq });
  });

  it('refuses to keep a caller waiting through a snapshot write: it says so and how far it has come, then answers', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'govmesh-snapshot-')), 'read-model.snapshot');
    const store = new SqliteLedgerStore(':memory:');
    await store.append(cases(0, 200));
    // The write is held where it begins (the ledger asked for its last record's hash) once armed.
    const { view, hold, release } = hashesHeld(store);
    const model = new LedgerReadModel(view, { snapshot: { file, everyRecords: 10_000_000 } });
    await model.saveSnapshot();
    const firstSize = statSync(file).size;
    await store.append(cases(200, 10));
    hold();
    const saved = model.saveSnapshot();
    while (!model.snapshotProgress) await new Promise((resolve) => setTimeout(resolve, 5));
    try {
      const refused = await model.scorecards({}, { answerWithinMs: 50 }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(ReadModelSavingSnapshot);
      expect(refused as ReadModelSavingSnapshot).toMatchObject({ code: 'AUDIT.SAVING_SNAPSHOT', retriable: true });
      // About the last snapshot's size, at the last write's pace.
      expect((refused as ReadModelSavingSnapshot).progress).toMatchObject({ bytes: 0, expectedBytes: firstSize });
      expect((refused as ReadModelSavingSnapshot).secondsLeft).toBeGreaterThanOrEqual(1);
      expect((refused as ReadModelSavingSnapshot).message).toMatch(
        /^the audit read model is writing its snapshot: 0\.0 of about \d+\.\d MB \(0 %\), about \d+ s left; ask again then$/,
      );
    } finally {
      release();
    }
    await saved;
    expect(model.snapshotProgress).toBeUndefined();
    expect(await snapshotHeader(file)).toMatchObject({ seq: (await store.head()).seq });
    expect(await model.transparency({ answerWithinMs: 5_000 })).toEqual(
      await new LedgerReadModel(store).transparency(),
    );
  });

  it('tells a caller held while a start takes its snapshot back how far that has come', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'govmesh-snapshot-')), 'read-model.snapshot');
    const store = new SqliteLedgerStore(':memory:');
    await store.append(cases(0, 200));
    await new LedgerReadModel(store, { snapshot: { file } }).saveSnapshot();
    // The start is held where it checks the snapshot against the ledger, before its first line.
    const { view, hold, release } = hashesHeld(store);
    hold();
    const restarted = new LedgerReadModel(view, { snapshot: { file } });
    const started = restarted.catchUp();
    while (!restarted.progress?.snapshot) await new Promise((resolve) => setTimeout(resolve, 5));
    try {
      const refused = await restarted.transparency({ answerWithinMs: 50 }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(ReadModelCatchingUp);
      expect((refused as ReadModelCatchingUp).progress.snapshot).toEqual({ bytes: 0, totalBytes: statSync(file).size });
      expect((refused as ReadModelCatchingUp).message).toMatch(
        /^the audit read model is taking back its snapshot, then the records after it: 0\.0 of 0\.\d MB \(0 %\); ask again then$/,
      );
    } finally {
      release();
    }
    await started;
    expect(restarted.progress).toBeUndefined();
    expect(await restarted.transparency({ answerWithinMs: 5_000 })).toEqual(
      await new LedgerReadModel(store).transparency(),
    );
    expect(
      new ReadModelCatchingUp({
        read: 0,
        total: undefined,
        secondsLeft: 4,
        snapshot: { bytes: 12_345_678, totalBytes: 43_000_000 },
      }).message,
    ).toBe(
      'the audit read model is taking back its snapshot, then the records after it: 12.3 of 43.0 MB (28 %), about 4 s left; ask again then',
    );
  });

  it('words a snapshot write by its megabytes, with its share and the time left when they are known', () => {
    expect(new ReadModelSavingSnapshot({ bytes: 12_345_678, expectedBytes: 40_000_000, secondsLeft: 3 }).message).toBe(
      'the audit read model is writing its snapshot: 12.3 of about 40.0 MB (30 %), about 3 s left; ask again then',
    );
    // The first write of a process that took no snapshot back: no size to compare it with.
    expect(
      new ReadModelSavingSnapshot({ bytes: 2_500_000, expectedBytes: undefined, secondsLeft: undefined }).message,
    ).toBe('the audit read model is writing its snapshot: 2.5 MB so far; ask again then');
    // Larger than the last: never "100 %" while it is still being written.
    expect(new ReadModelSavingSnapshot({ bytes: 5_000_000, expectedBytes: 4_000_000, secondsLeft: 1 }).message).toMatch(
      /4\.0 MB \(99 %\)/,
    );
  });

  it("sets aside another ledger's snapshot, another code's, or a damaged one, and reads the whole ledger", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govmesh-snapshot-'));
    const file = join(dir, 'read-model.snapshot');
    const store = new SqliteLedgerStore(':memory:');
    await store.append(cases(0, 200));
    await new LedgerReadModel(store, { snapshot: { file } }).saveSnapshot();
    const good = readFileSync(file, 'utf8');
    const other = new SqliteLedgerStore(':memory:');
    await other.append(cases(1_000, 250));
    const damaged: Array<[string, string, LedgerStore, RegExp]> = [
      [
        'another ledger',
        good,
        other,
        /^the ledger's record \d+ is not the one it was taken at: it is another ledger's$/,
      ],
      [
        'a shorter ledger',
        good,
        await (async () => {
          const short = new SqliteLedgerStore(':memory:');
          await short.append(cases(0, 20));
          return short;
        })(),
        /^it holds \d+ records and the ledger \d+: it is another ledger's$/,
      ],
      ['other code', good.replace(/"code":"[0-9a-f]+"/, '"code":"0123"'), store, /^it was written by other tally code/],
      [
        'cut short',
        good.slice(0, good.lastIndexOf('["end"')),
        store,
        /^the snapshot ends after \d+ lines, without its last$/,
      ],
      ['a line changed', good.replace('["s",["tally",', '["s",["tally",7,'), store, /^expected a string, found 7$/],
      ['not a snapshot', 'PK\u0003\u0004', store, /does not begin with a read model snapshot's header$/],
    ];
    for (const [what, content, ledger, reason] of damaged) {
      writeFileSync(file, content);
      const { view, reads } = watched(ledger as SqliteLedgerStore);
      const log = logged();
      const model = new LedgerReadModel(view, { logger: log.logger, snapshot: { file, everyRecords: 10_000_000 } });
      expect(await answers(model), what).toEqual(await answers(new LedgerReadModel(ledger)));
      expect(reads[0], what).toBe(1);
      expect(log.said('ledger read model snapshot not used; reading the whole ledger'), what).toEqual([
        expect.objectContaining({ file, reason: expect.stringMatching(reason) as string }),
      ]);
    }
  });
});
