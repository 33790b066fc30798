import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

import { domainEvent } from './ledger-fixtures.test-helpers.js';
import { ledgerEntryOf } from './ledger-record.js';
import { verifyLedger } from './ledger-verification.js';
import { SqliteLedgerStore } from './sqlite-ledger-store.js';

function filledLedger(events = 5) {
  const file = join(mkdtempSync(join(tmpdir(), 'govmesh-ledger-')), 'ledger.sqlite');
  const store = new SqliteLedgerStore(file);
  const entries = Array.from({ length: events }, (_, i) =>
    ledgerEntryOf(
      domainEvent(
        'stepStarted',
        `case-${i % 2}`,
        { stepId: `step-${i}`, mode: 'outsourced' },
        `2026-11-23T10:00:0${i}Z`,
      ),
    ),
  );
  return { file, store, entries };
}

describe('the SQLite ledger', () => {
  it('chains records in order and ignores an event it already holds', async () => {
    const { store, entries } = filledLedger(5);
    const first = await store.append(entries.slice(0, 3));
    const second = await store.append(entries); // a replay of the first three plus two new
    expect(first.appended.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(second).toMatchObject({ duplicates: 3 });
    expect(second.appended.map((r) => r.seq)).toEqual([4, 5]);
    expect(second.appended[0]!.prevHash).toBe(first.appended[2]!.hash);
    expect(await verifyLedger(store.records(), [])).toEqual({
      ok: true,
      records: 5,
      firstBroken: null,
      reason: null,
      signedThrough: 0,
    });
    expect((await store.caseRecords('case-1')).map((r) => r.seq)).toEqual([2, 4]);
  });

  it('refuses updates and deletes', async () => {
    const { file, store, entries } = filledLedger(2);
    await store.append(entries);
    const db = new Database(file);
    expect(() => db.prepare("UPDATE ledger_records SET actor_id = 'x' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM ledger_records WHERE seq = 2').run()).toThrow(/append-only/);
    db.close();
  });

  it('names the record whose stored bytes were changed, even one byte', async () => {
    const { file, store, entries } = filledLedger(5);
    await store.append(entries);
    const db = new Database(file);
    // Someone with write access to the file can drop the guard; the chain still tells.
    db.exec('DROP TRIGGER ledger_records_no_update');
    const { facts } = db.prepare<[], { facts: string }>('SELECT facts FROM ledger_records WHERE seq = 3').get()!;
    const flipped = facts.replace('step-2', 'step-3');
    expect(flipped).not.toBe(facts);
    db.prepare('UPDATE ledger_records SET facts = ? WHERE seq = 3').run(flipped);
    db.close();
    const verdict = await verifyLedger(new SqliteLedgerStore(file, { readonly: true }).records(), []);
    expect(verdict).toMatchObject({ ok: false, records: 3, firstBroken: 3 });
    expect(verdict.reason).toMatch(/altered/);
  });

  it('keeps the applicant out: free text is digested, not stored', () => {
    const event = domainEvent(
      'caseFailed',
      'case-9',
      { code: 'STEP.NO_PARTNER_DELIVERED', reason: 'Jane Doe, 12 Main St, was not reachable' },
      '2026-11-23T10:00:00Z',
    );
    const entry = ledgerEntryOf(event);
    expect(JSON.stringify(entry)).not.toContain('Jane');
    expect(entry.facts).toEqual({ causationId: 'case-9/cause', code: 'STEP.NO_PARTNER_DELIVERED' });
    expect(entry.payloadDigest).toMatch(/^[0-9a-f]{64}$/);
  });
});
