import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';

import Database from 'better-sqlite3';

import { GENESIS_HASH, chainRecord, type LedgerEntry, type LedgerFacts, type LedgerRecord } from './ledger-record.js';
import { FACTS_COLUMNS, toFacts, toRecord, type LedgerRow as Row } from './ledger-rows.js';
import type { AppendOutcome, LedgerStore, SignedCheckpoint } from './ledger-store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_records (
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  time TEXT NOT NULL,
  type TEXT NOT NULL,
  case_id TEXT NOT NULL,
  actor_kind TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  facts TEXT NOT NULL,
  payload_digest TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_records_case ON ledger_records (case_id, seq);
CREATE TABLE IF NOT EXISTS ledger_checkpoints (
  seq INTEGER PRIMARY KEY,
  head_hash TEXT NOT NULL,
  signed_at TEXT NOT NULL,
  key_id TEXT NOT NULL,
  signature TEXT NOT NULL
);
-- Stops accidents; tampering by someone who can drop these is what the hash chain catches.
CREATE TRIGGER IF NOT EXISTS ledger_records_no_update BEFORE UPDATE ON ledger_records
  BEGIN SELECT RAISE(ABORT, 'the audit ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS ledger_records_no_delete BEFORE DELETE ON ledger_records
  BEGIN SELECT RAISE(ABORT, 'the audit ledger is append-only'); END;
`;

export interface SqliteLedgerOptions {
  /** Readers (verification, scorecards, the CLI) open the file without write access. */
  readonly readonly?: boolean;
}

/** The ledger in one SQLite file, in WAL mode so readers never block the writer. */
export class SqliteLedgerStore implements LedgerStore {
  private readonly db: Database.Database;

  constructor(
    readonly path: string,
    options: SqliteLedgerOptions = {},
  ) {
    if (options.readonly) {
      this.db = new Database(path, { readonly: true, fileMustExist: true });
    } else {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.exec(SCHEMA);
    }
    this.db.pragma('busy_timeout = 5000');
  }

  append(entries: readonly LedgerEntry[]): Promise<AppendOutcome> {
    const insert = this.db.prepare(
      `INSERT INTO ledger_records (seq, event_id, time, type, case_id, actor_kind, actor_id, facts, payload_digest, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (event_id) DO NOTHING`,
    );
    const run = this.db.transaction((batch: readonly LedgerEntry[]): AppendOutcome => {
      let { seq, hash } = this.headSync();
      const appended: LedgerRecord[] = [];
      let duplicates = 0;
      for (const entry of batch) {
        const { record, factsJson } = chainRecord(entry, seq + 1, hash);
        // An event already held (delivered again, or twice in one batch) inserts nothing and takes
        // no place in the chain: the unique event id refuses it, without a look-up per entry.
        const { changes } = insert.run(
          record.seq,
          record.eventId,
          record.time,
          record.type,
          record.caseId,
          record.actor.kind,
          record.actor.id,
          factsJson,
          record.payloadDigest,
          record.prevHash,
          record.hash,
        );
        if (changes === 0) {
          duplicates += 1;
          continue;
        }
        appended.push(record);
        ({ seq, hash } = record);
      }
      return { appended, duplicates };
    });
    // IMMEDIATE takes the write lock first, so two writers can never read the same head.
    try {
      return Promise.resolve(run.immediate(entries));
    } catch (err) {
      // A caller awaits the outcome: a refusal (a read-only file, a full disk) is a rejection too.
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private headSync(): { seq: number; hash: string } {
    const row = this.db
      .prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM ledger_records ORDER BY seq DESC LIMIT 1')
      .get();
    return row ?? { seq: 0, hash: GENESIS_HASH };
  }

  head(): Promise<{ seq: number; hash: string }> {
    return Promise.resolve(this.headSync());
  }

  hashAt(seq: number): Promise<string | undefined> {
    const row = this.db.prepare<[number], { hash: string }>('SELECT hash FROM ledger_records WHERE seq = ?').get(seq);
    return Promise.resolve(row?.hash);
  }

  records(fromSeq = 1): AsyncIterable<LedgerRecord> {
    return this.paged('*', fromSeq, toRecord);
  }

  facts(fromSeq = 1): AsyncIterable<LedgerFacts> {
    return this.paged(FACTS_COLUMNS, fromSeq, toFacts);
  }

  private async *paged<T>(columns: string, fromSeq: number, of: (row: Row) => T): AsyncIterable<T> {
    // Paged, so a reader holds no long transaction against the writer; and between pages the
    // service's other work runs (appends, health, other reads): better-sqlite3 reads synchronously,
    // so without a turn of the event loop a whole-ledger read held the service for seconds.
    const page = this.db.prepare<[number], Row>(
      `SELECT ${columns} FROM ledger_records WHERE seq >= ? ORDER BY seq LIMIT 5000`,
    );
    let next = fromSeq;
    for (;;) {
      const rows = page.all(next);
      for (const row of rows) yield of(row);
      if (rows.length < 5000) return;
      next = Number(rows.at(-1)!.seq) + 1;
      await nextTurn();
    }
  }

  caseRecords(caseId: string): Promise<LedgerRecord[]> {
    const rows = this.db
      .prepare<[string], Row>('SELECT * FROM ledger_records WHERE case_id = ? ORDER BY seq')
      .all(caseId);
    return Promise.resolve(rows.map(toRecord));
  }

  addCheckpoint(c: SignedCheckpoint): Promise<void> {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO ledger_checkpoints (seq, head_hash, signed_at, key_id, signature) VALUES (?, ?, ?, ?, ?)',
      )
      .run(c.seq, c.headHash, c.signedAt, c.keyId, c.signature);
    return Promise.resolve();
  }

  checkpoints(): Promise<SignedCheckpoint[]> {
    const rows = this.db
      .prepare<[], { seq: number; head_hash: string; signed_at: string; key_id: string; signature: string }>(
        'SELECT * FROM ledger_checkpoints ORDER BY seq',
      )
      .all();
    return Promise.resolve(
      rows.map((r) => ({
        seq: r.seq,
        headHash: r.head_hash,
        signedAt: r.signed_at,
        keyId: r.key_id,
        signature: r.signature,
      })),
    );
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}
