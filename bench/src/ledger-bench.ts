import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { SqliteLedgerStore, canonicalJson, ledgerEntryOf, verifyLedger } from '@govmesh/audit';
import { DOMAIN_EVENTS, type DomainEvent } from '@govmesh/contracts/domain-events';
import Database from 'better-sqlite3';

const BATCH = 500;
const freshFile = () => join(mkdtempSync(join(tmpdir(), 'govmesh-bench-')), 'ledger.sqlite');
/** Each round writes ledgers of tens of megabytes, which were left in the temporary folder run after run. */
const removeFile = (file: string) => rmSync(dirname(file), { recursive: true, force: true });

/**
 * The ledger against the floors a durable store sets: a raw batched insert of the very rows the
 * ledger writes (the same table and index, WAL, synchronous FULL, transactions of as many rows),
 * and a raw read of them; and against raw SHA-256 over the canonical bytes each record hashes.
 */
export async function ledgerBench(events: number) {
  const entries = Array.from({ length: events }, (_, i) => {
    const caseId = `bench-${Math.floor(i / 10)}`;
    const event = {
      specversion: '1.0',
      id: `${caseId}/${i}`,
      source: '/govmesh/worker',
      type: DOMAIN_EVENTS.stepStarted.type,
      subject: caseId,
      time: new Date(1_790_000_000_000 + i).toISOString(),
      datacontenttype: 'application/json',
      dataschema: 'urn:govmesh:schema:bench',
      data: { correlationId: caseId, causationId: `${caseId}/${i - 1}`, stepId: `step-${i % 7}`, mode: 'outsourced' },
    } as DomainEvent;
    return ledgerEntryOf(event);
  });
  const bytes = entries.map((e) => Buffer.from(canonicalJson({ seq: 0, ...e, prevHash: '0'.repeat(64) })));

  // The rows the ledger writes, and its table's schema, from a ledger the store made once.
  const made = new SqliteLedgerStore(freshFile());
  await made.append(entries);
  const file = new Database(made.path, { readonly: true });
  const schema = file
    .prepare<[], { sql: string }>(
      "SELECT sql FROM sqlite_master WHERE type IN ('table', 'index') AND tbl_name = 'ledger_records'",
    )
    .all()
    .flatMap((r) => (r.sql ? [r.sql] : [])); // a UNIQUE column's own index has no SQL: its table makes it
  const rows = file.prepare<[], Record<string, unknown>>('SELECT * FROM ledger_records ORDER BY seq').all();
  file.close();
  await made.close();
  removeFile(made.path);

  return {
    raw(): number {
      const t = performance.now();
      for (const b of bytes) createHash('sha256').update(b).digest('hex');
      return events / ((performance.now() - t) / 1000);
    },
    /** Rows per second a bare batched INSERT of the same rows reaches, with the same durability. */
    rawInsert(): number {
      const path = freshFile();
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      for (const sql of schema) db.exec(sql);
      const columns = Object.keys(rows[0]!);
      const insert = db.prepare(
        `INSERT INTO ledger_records (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
      );
      const batch = db.transaction((slice: readonly Record<string, unknown>[]) => {
        for (const row of slice) insert.run(row);
      });
      const t = performance.now();
      for (let i = 0; i < rows.length; i += BATCH) batch.immediate(rows.slice(i, i + BATCH));
      const perSecond = rows.length / ((performance.now() - t) / 1000);
      db.close();
      removeFile(path);
      return perSecond;
    },
    async append(): Promise<{ append: number; verify: number; rawRead: number }> {
      const store = new SqliteLedgerStore(freshFile());
      const t = performance.now();
      for (let i = 0; i < entries.length; i += BATCH) await store.append(entries.slice(i, i + BATCH));
      const append = events / ((performance.now() - t) / 1000);
      const v = performance.now();
      const verdict = await verifyLedger(store.records(), []);
      if (!verdict.ok) throw new Error('the bench ledger did not verify');
      const verify = events / ((performance.now() - v) / 1000);
      await store.close();
      // The floor for verifying: reading the same rows back, and nothing else.
      const db = new Database(store.path, { readonly: true });
      const r = performance.now();
      let read = 0;
      for (const _ of db.prepare('SELECT * FROM ledger_records ORDER BY seq').iterate()) read += 1;
      const rawRead = read / ((performance.now() - r) / 1000);
      db.close();
      removeFile(store.path);
      return { append, verify, rawRead };
    },
  };
}
