import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

import { domainEvent } from './ledger-fixtures.test-helpers.js';
import { ledgerEntryOf } from './ledger-record.js';
import { describeLedgerStore } from './ledger-store.test-suite.js';
import { SqliteLedgerStore } from './sqlite-ledger-store.js';

describeLedgerStore({
  name: 'SQLite',
  open() {
    const file = join(mkdtempSync(join(tmpdir(), 'govmesh-ledger-')), 'ledger.sqlite');
    const raw = <T>(use: (db: Database.Database) => T): T => {
      const db = new Database(file);
      try {
        return use(db);
      } finally {
        db.close();
      }
    };
    return Promise.resolve({
      store: new SqliteLedgerStore(file),
      reader: () => Promise.resolve(new SqliteLedgerStore(file, { readonly: true })),
      secondWriter: () => Promise.resolve(new SqliteLedgerStore(file)),
      sql: (statement) =>
        new Promise<void>((resolve) => {
          raw((db) => db.exec(statement));
          resolve();
        }),
      text: (statement) =>
        Promise.resolve(raw((db) => Object.values(db.prepare(statement).get() as object)[0] as string)),
      dropUpdateGuard: () => Promise.resolve(raw((db) => void db.exec('DROP TRIGGER ledger_records_no_update'))),
    });
  },
});

describe('the ledger record', () => {
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
