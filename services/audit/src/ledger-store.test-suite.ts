import { describe, expect, it } from 'vitest';

import { domainEvent } from './ledger-fixtures.test-helpers.js';
import { ledgerEntryOf } from './ledger-record.js';
import type { LedgerStore } from './ledger-store.js';
import { verifyLedger } from './ledger-verification.js';

/** One ledger of a backend, empty, with the raw access an intruder or an operator would have. */
export interface LedgerUnderTest {
  readonly store: LedgerStore;
  /** The same ledger opened again, as the verifier and the read model open it. */
  reader(): Promise<LedgerStore>;
  /** Another writer on the same ledger: a second replica of the audit service. */
  secondWriter(): Promise<LedgerStore>;
  /** SQL on the ledger's tables (unqualified names), past the store. */
  sql(statement: string): Promise<void>;
  /** The first column of the first row. */
  text(statement: string): Promise<string>;
  /** Drops the guard against updates, as someone with the database owner's rights could. */
  dropUpdateGuard(): Promise<void>;
}

export interface LedgerBackend {
  readonly name: string;
  open(): Promise<LedgerUnderTest>;
}

function entries(events: number, offset = 0) {
  return Array.from({ length: events }, (_, i) =>
    ledgerEntryOf(
      domainEvent(
        'stepStarted',
        `case-${(i + offset) % 2}`,
        { stepId: `step-${i + offset}`, mode: 'outsourced' },
        `2026-11-23T10:00:${String((i + offset) % 60).padStart(2, '0')}Z`,
      ),
    ),
  );
}

/**
 * What every ledger backend must do, run against each (SQLite in the unit suite, PostgreSQL in the
 * end-to-end suite on a real server): one suite, so the two can never drift apart.
 */
export function describeLedgerStore(backend: LedgerBackend): void {
  describe(`the ledger on ${backend.name}`, () => {
    it('stores an event that comes twice in one batch once, with no gap in the chain', async () => {
      const { store } = await backend.open();
      const [a, b] = entries(2);
      const outcome = await store.append([a!, a!, b!]);
      expect(outcome).toMatchObject({ duplicates: 1 });
      expect(outcome.appended.map((r) => [r.seq, r.eventId])).toEqual([
        [1, a!.eventId],
        [2, b!.eventId],
      ]);
      expect(await verifyLedger(store.records(), [])).toMatchObject({ ok: true, records: 2 });
    });

    it('chains records in order and ignores an event it already holds', async () => {
      const { store } = await backend.open();
      const batch = entries(5);
      const first = await store.append(batch.slice(0, 3));
      const second = await store.append(batch); // a replay of the first three plus two new
      expect(first.appended.map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(second).toMatchObject({ duplicates: 3 });
      expect(second.appended.map((r) => r.seq)).toEqual([4, 5]);
      expect(second.appended[0]!.prevHash).toBe(first.appended[2]!.hash);
      expect(await store.head()).toEqual({ seq: 5, hash: second.appended[1]!.hash });
      expect(await verifyLedger(store.records(), [])).toEqual({
        ok: true,
        records: 5,
        firstBroken: null,
        reason: null,
        signedThrough: 0,
      });
      expect((await store.caseRecords('case-1')).map((r) => r.seq)).toEqual([2, 4]);
      expect(await store.hashAt(4)).toBe(second.appended[0]!.hash);
      expect(await store.hashAt(1)).toBe(first.appended[0]!.hash);
      expect(await store.hashAt(6)).toBeUndefined();
      expect(await store.hashAt(0)).toBeUndefined();
      await store.close();
    });

    it('reads back every record exactly as it was chained, past one page', async () => {
      const { store } = await backend.open();
      const written = (await store.append(entries(5_200))).appended;
      const read = [];
      for await (const record of store.records()) read.push(record);
      expect(read).toEqual(written);
      const tail = [];
      for await (const record of store.records(5_150)) tail.push(record.seq);
      expect(tail).toEqual(Array.from({ length: 51 }, (_, i) => 5_150 + i));
      // What the read model counts: each record's place, time, kind, case and facts, nothing else.
      const facts = [];
      for await (const f of store.facts(5_100)) facts.push(f);
      expect(facts).toEqual(
        written.slice(5_099).map(({ seq, time, type, caseId, facts }) => ({ seq, time, type, caseId, facts })),
      );
      await store.close();
    });

    it("lets the service's other work run between pages of a long read", async () => {
      const { store } = await backend.open();
      await store.append(entries(12_000));
      let otherWorkRan = false;
      let readWhenItRan: number | undefined;
      setImmediate(() => (otherWorkRan = true));
      let read = 0;
      for await (const _ of store.records()) {
        if (otherWorkRan) readWhenItRan ??= read;
        read += 1;
      }
      // A read of the whole ledger must not hold the audit service (its appends, its health
      // check) until it ends: the other work ran after the first page at the latest.
      expect(read).toBe(12_000);
      expect(readWhenItRan).toBeLessThanOrEqual(5_000);
      await store.close();
    });

    it('keeps one chain with no gap when two writers append at once', async () => {
      const ledger = await backend.open();
      const other = await ledger.secondWriter();
      const a = entries(200, 0);
      const b = entries(200, 1_000);
      await Promise.all([
        (async () => {
          for (let i = 0; i < a.length; i += 20) await ledger.store.append(a.slice(i, i + 20));
        })(),
        (async () => {
          for (let i = 0; i < b.length; i += 20) await other.append(b.slice(i, i + 20));
        })(),
      ]);
      const verdict = await verifyLedger(ledger.store.records(), []);
      expect(verdict).toMatchObject({ ok: true, records: 400 });
      expect((await ledger.store.head()).seq).toBe(400);
      await other.close();
      await ledger.store.close();
    });

    it('keeps signed checkpoints, a later signature of the same point replacing the first', async () => {
      const { store } = await backend.open();
      const [record] = (await store.append(entries(1))).appended;
      const checkpoint = {
        seq: 1,
        headHash: record!.hash,
        signedAt: '2026-11-23T10:00:00Z',
        keyId: 'k1',
        signature: 's1',
      };
      await store.addCheckpoint(checkpoint);
      await store.addCheckpoint({ ...checkpoint, keyId: 'k2', signature: 's2' });
      expect(await store.checkpoints()).toEqual([{ ...checkpoint, keyId: 'k2', signature: 's2' }]);
      await store.close();
    });

    it('refuses updates and deletes, and a reader cannot append', async () => {
      const ledger = await backend.open();
      await ledger.store.append(entries(2));
      await expect(ledger.sql("UPDATE ledger_records SET actor_id = 'x' WHERE seq = 1")).rejects.toThrow(/append-only/);
      await expect(ledger.sql('DELETE FROM ledger_records WHERE seq = 2')).rejects.toThrow(/append-only/);
      const reader = await ledger.reader();
      await expect(reader.append(entries(1, 50))).rejects.toThrow(/read-only|readonly/i);
      expect((await ledger.store.head()).seq).toBe(2);
      await reader.close();
      await ledger.store.close();
    });

    it('names the record whose stored bytes were changed, even one byte', async () => {
      const ledger = await backend.open();
      await ledger.store.append(entries(5));
      // Someone with write access to the database can drop the guard; the chain still tells.
      await ledger.dropUpdateGuard();
      const facts = await ledger.text('SELECT facts FROM ledger_records WHERE seq = 3');
      const flipped = facts.replace('step-2', 'step-3');
      expect(flipped).not.toBe(facts);
      await ledger.sql(`UPDATE ledger_records SET facts = '${flipped.replaceAll("'", "''")}' WHERE seq = 3`);
      const reader = await ledger.reader();
      const verdict = await verifyLedger(reader.records(), []);
      expect(verdict).toMatchObject({ ok: false, records: 3, firstBroken: 3 });
      expect(verdict.reason).toMatch(/altered/);
      await reader.close();
      await ledger.store.close();
    });
  });
}
