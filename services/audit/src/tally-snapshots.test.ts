import { describe, expect, it } from 'vitest';

import { variedCase } from './ledger-fixtures.test-helpers.js';
import { ledgerEntryOf, type LedgerFacts } from './ledger-record.js';
import { ScorecardTally } from './scorecards.js';
import { SnapshotDamaged } from './snapshot-lines.js';
import { TransparencyTally } from './transparency.js';

/** A varied ledger's records, a case every 97 minutes: 600 cases span 40 days, past the rating window. */
function ledger(cases: number): LedgerFacts[] {
  return Array.from({ length: cases }, (_, k) => variedCase(k, 97 * 60_000))
    .flat()
    .map((event, i) => ({ seq: i + 1, ...ledgerEntryOf(event) }));
}

interface Snapshotting {
  add(record: LedgerFacts): void;
  snapshot(): Iterable<readonly unknown[]>;
  restore(line: readonly unknown[]): void;
}

/**
 * At each cut of the ledger: a tally taken back from the original's snapshot (through its text
 * form, as a file carries it) holds and, after the rest of the ledger, answers as the original.
 * Returns the tally of the ledger but its last records, whose snapshot holds every kind of line.
 */
function takenBackAtEachCut<T extends Snapshotting>(
  records: readonly LedgerFacts[],
  make: () => T,
  answers: (tally: T) => unknown,
): T {
  for (const cut of [1, 137, Math.floor(records.length / 2), records.length - 5]) {
    const original = make();
    for (const r of records.slice(0, cut)) original.add(r);
    const restored = make();
    for (const line of original.snapshot()) restored.restore(JSON.parse(JSON.stringify(line)) as unknown[]);
    expect(answers(restored), `cut ${cut}`).toEqual(answers(original));
    for (const r of records.slice(cut)) {
      original.add(r);
      restored.add(r);
    }
    expect(answers(restored), `cut ${cut}, then the rest`).toEqual(answers(original));
  }
  const most = make();
  for (const r of records.slice(0, records.length - 5)) most.add(r);
  return most;
}

const windows = [
  {},
  { from: new Date('2026-09-10T00:00:00Z') },
  { from: new Date('2026-09-20T00:00:00Z'), to: new Date('2026-10-01T00:00:00Z') },
];

describe("the tallies' snapshots", () => {
  const records = ledger(600);

  it('give back scorecards that answer, and go on following the ledger, as the tally they were taken of', () => {
    const most = takenBackAtEachCut(
      records,
      () => new ScorecardTally(),
      (t) => ({ windows: windows.map((w) => t.scorecards(w)), standings: t.standings(), held: t.held() }),
    );
    // The ledger held every kind of state a tally keeps, so each was carried over above.
    expect(new Set([...most.snapshot()].map((line) => line[0]))).toEqual(
      new Set(['attempt', 'caseTallies', 'dispatch', 'log', 'openTasks', 'ratings', 'tally', 'unrated']),
    );
    expect(most.scorecards().some((c) => c.rejectedInvalid > 0 && c.sentBackForRework > 0 && c.late > 0)).toBe(true);
  });

  it('give back public figures that answer, and go on following the ledger, as the tally they were taken of', () => {
    const most = takenBackAtEachCut(
      records,
      () => new TransparencyTally(),
      (t) => ({ figures: t.figures(), held: t.held() }),
    );
    expect(new Set([...most.snapshot()].map((line) => line[0]))).toEqual(
      new Set(['service', 'processing', 'open', 'unrated']),
    );
  });

  it('refuse a damaged line, naming what they found', () => {
    expect(() => new ScorecardTally().restore(['tally', 'partner-1', 7, []])).toThrow(SnapshotDamaged);
    expect(() => new ScorecardTally().restore(['log', 3, '', '', ''])).toThrow('no item 3 of 0');
    expect(() => new TransparencyTally().restore(['service', 's', [1, 2]])).toThrow('a service of 2 counts');
    expect(() => new TransparencyTally().restore(['gossip'])).toThrow('a public figures line of unknown kind "gossip"');
  });
});
