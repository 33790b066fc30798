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

/** Through the snapshot's text form, as a file would carry it. */
function throughText<T extends { snapshot(): Iterable<readonly unknown[]>; restore(line: readonly unknown[]): void }>(
  from: T,
  into: T,
): number {
  let lines = 0;
  for (const line of from.snapshot()) {
    into.restore(JSON.parse(JSON.stringify(line)) as unknown[]);
    lines += 1;
  }
  return lines;
}

const windows = [
  {},
  { from: new Date('2026-09-10T00:00:00Z') },
  { from: new Date('2026-09-20T00:00:00Z'), to: new Date('2026-10-01T00:00:00Z') },
];

describe("the tallies' snapshots", () => {
  const records = ledger(600);

  it('give back scorecards that answer, and go on following the ledger, as the tally they were taken of', () => {
    for (const cut of [1, 137, Math.floor(records.length / 2), records.length - 5]) {
      const original = new ScorecardTally();
      for (const r of records.slice(0, cut)) original.add(r);
      const restored = new ScorecardTally();
      throughText(original, restored);
      expect(restored.held()).toEqual(original.held());
      for (const r of records.slice(cut)) {
        original.add(r);
        restored.add(r);
      }
      for (const window of windows)
        expect(restored.scorecards(window), `cut ${cut}`).toEqual(original.scorecards(window));
      expect(restored.standings()).toEqual(original.standings());
      expect(restored.held()).toEqual(original.held());
    }
    // The ledger held every kind of state a tally keeps, so each was carried over above.
    const whole = new ScorecardTally();
    for (const r of records.slice(0, records.length - 5)) whole.add(r);
    const kinds = new Set([...whole.snapshot()].map((line) => line[0]));
    expect([...kinds].sort()).toEqual(
      ['attempt', 'caseTallies', 'dispatch', 'log', 'openTasks', 'ratings', 'tally', 'unrated'].sort(),
    );
    expect(whole.scorecards().some((c) => c.rejectedInvalid > 0 && c.sentBackForRework > 0 && c.late > 0)).toBe(true);
  });

  it('give back public figures that answer, and go on following the ledger, as the tally they were taken of', () => {
    for (const cut of [1, 137, Math.floor(records.length / 2), records.length - 5]) {
      const original = new TransparencyTally();
      for (const r of records.slice(0, cut)) original.add(r);
      const restored = new TransparencyTally();
      throughText(original, restored);
      expect(restored.held()).toEqual(original.held());
      for (const r of records.slice(cut)) {
        original.add(r);
        restored.add(r);
      }
      expect(restored.figures(), `cut ${cut}`).toEqual(original.figures());
      expect(restored.held()).toEqual(original.held());
    }
    const whole = new TransparencyTally();
    for (const r of records.slice(0, records.length - 5)) whole.add(r);
    expect(new Set([...whole.snapshot()].map((line) => line[0]))).toEqual(
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
