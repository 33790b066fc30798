import { openSchemaPool } from '@govmesh/messaging';
import type pg from 'pg';

import { GENESIS_HASH, chainRecord, type LedgerEntry, type LedgerFacts, type LedgerRecord } from './ledger-record.js';
import { FACTS_COLUMNS, toFacts, toRecord, type LedgerRow as Row } from './ledger-rows.js';
import type { AppendOutcome, LedgerStore, SignedCheckpoint } from './ledger-store.js';

/** The audit service's own schema: in a shared database, nobody else's tables are beside it. */
export const DEFAULT_LEDGER_SCHEMA = 'govmesh_audit';

const schemaSql = (schema: string) => `
CREATE TABLE IF NOT EXISTS ${schema}.ledger_records (
  seq BIGINT PRIMARY KEY,
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
CREATE INDEX IF NOT EXISTS ledger_records_case ON ${schema}.ledger_records (case_id, seq);
CREATE TABLE IF NOT EXISTS ${schema}.ledger_checkpoints (
  seq BIGINT PRIMARY KEY,
  head_hash TEXT NOT NULL,
  signed_at TEXT NOT NULL,
  key_id TEXT NOT NULL,
  signature TEXT NOT NULL
);
-- Stops accidents; tampering by someone who can drop these is what the hash chain catches.
CREATE OR REPLACE FUNCTION ${schema}.ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'the audit ledger is append-only'; END $$;
CREATE OR REPLACE TRIGGER ledger_records_no_update BEFORE UPDATE ON ${schema}.ledger_records
  FOR EACH ROW EXECUTE FUNCTION ${schema}.ledger_append_only();
CREATE OR REPLACE TRIGGER ledger_records_no_delete BEFORE DELETE ON ${schema}.ledger_records
  FOR EACH ROW EXECUTE FUNCTION ${schema}.ledger_append_only();
CREATE OR REPLACE TRIGGER ledger_records_no_truncate BEFORE TRUNCATE ON ${schema}.ledger_records
  FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.ledger_append_only();
`;

/** One lock for every appender of one ledger: two writers can never read the same head. */
const APPEND_LOCK = 'govmesh ledger append';

export interface PostgresLedgerOptions {
  /** The schema the ledger's tables live in (default `govmesh_audit`). */
  readonly schema?: string;
  /** Readers (verification, scorecards, the CLI): the server refuses them any write. */
  readonly readonly?: boolean;
  /** Connections kept open (default 4). */
  readonly poolSize?: number;
}

/**
 * The ledger on PostgreSQL, for a platform whose audit service runs on more than one host. The
 * same chain as the SQLite ledger, record for record: only where the bytes live differs.
 */
export class PostgresLedgerStore implements LedgerStore {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly table: string,
    private readonly checkpointsTable: string,
  ) {}

  /** Connects, and (for a writer) creates the schema and tables the first time. */
  static async open(url: string, options: PostgresLedgerOptions = {}): Promise<PostgresLedgerStore> {
    const schema = options.schema ?? DEFAULT_LEDGER_SCHEMA;
    const pool = await openSchemaPool(url, {
      schema,
      ddl: schemaSql,
      ...(options.readonly ? { readonly: true } : {}),
      ...(options.poolSize ? { poolSize: options.poolSize } : {}),
    });
    return new PostgresLedgerStore(pool, `${schema}.ledger_records`, `${schema}.ledger_checkpoints`);
  }

  async append(entries: readonly LedgerEntry[]): Promise<AppendOutcome> {
    if (entries.length === 0) return { appended: [], duplicates: 0 };
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${APPEND_LOCK} ${this.table}`]);
      const held = await client.query<{ event_id: string }>(
        `SELECT event_id FROM ${this.table} WHERE event_id = ANY($1::text[])`,
        [entries.map((e) => e.eventId)],
      );
      const known = new Set(held.rows.map((r) => r.event_id));
      let { seq, hash } = await this.headOf(client);
      const appended: LedgerRecord[] = [];
      const factsTexts: string[] = [];
      let duplicates = 0;
      for (const entry of entries) {
        if (known.has(entry.eventId)) {
          duplicates += 1;
          continue;
        }
        known.add(entry.eventId); // the same event twice in one batch is stored once
        const { record, factsJson } = chainRecord(entry, seq + 1, hash);
        appended.push(record);
        factsTexts.push(factsJson);
        ({ seq, hash } = record);
      }
      if (appended.length > 0) {
        // One statement for the whole batch: a column per array.
        await client.query(
          `INSERT INTO ${this.table} (seq, event_id, time, type, case_id, actor_kind, actor_id, facts, payload_digest, prev_hash, hash)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])`,
          [
            appended.map((r) => r.seq),
            appended.map((r) => r.eventId),
            appended.map((r) => r.time),
            appended.map((r) => r.type),
            appended.map((r) => r.caseId),
            appended.map((r) => r.actor.kind),
            appended.map((r) => r.actor.id),
            factsTexts,
            appended.map((r) => r.payloadDigest),
            appended.map((r) => r.prevHash),
            appended.map((r) => r.hash),
          ],
        );
      }
      await client.query('COMMIT');
      return { appended, duplicates };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private async headOf(client: pg.PoolClient | pg.Pool): Promise<{ seq: number; hash: string }> {
    const { rows } = await client.query<{ seq: string; hash: string }>(
      `SELECT seq, hash FROM ${this.table} ORDER BY seq DESC LIMIT 1`,
    );
    return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : { seq: 0, hash: GENESIS_HASH };
  }

  head(): Promise<{ seq: number; hash: string }> {
    return this.headOf(this.pool);
  }

  async hashAt(seq: number): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ hash: string }>(`SELECT hash FROM ${this.table} WHERE seq = $1`, [seq]);
    return rows[0]?.hash;
  }

  records(fromSeq = 1): AsyncIterable<LedgerRecord> {
    return this.paged('*', fromSeq, toRecord);
  }

  facts(fromSeq = 1): AsyncIterable<LedgerFacts> {
    return this.paged(FACTS_COLUMNS, fromSeq, toFacts);
  }

  private async *paged<T>(columns: string, fromSeq: number, of: (row: Row) => T): AsyncIterable<T> {
    // Paged, so a reader holds no long transaction against the writer.
    let next = fromSeq;
    for (;;) {
      const { rows } = await this.pool.query<Row>(
        `SELECT ${columns} FROM ${this.table} WHERE seq >= $1 ORDER BY seq LIMIT 5000`,
        [next],
      );
      for (const row of rows) yield of(row);
      if (rows.length < 5000) return;
      next = Number(rows.at(-1)!.seq) + 1;
    }
  }

  async caseRecords(caseId: string): Promise<LedgerRecord[]> {
    const { rows } = await this.pool.query<Row>(`SELECT * FROM ${this.table} WHERE case_id = $1 ORDER BY seq`, [
      caseId,
    ]);
    return rows.map(toRecord);
  }

  async addCheckpoint(c: SignedCheckpoint): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.checkpointsTable} (seq, head_hash, signed_at, key_id, signature) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (seq) DO UPDATE SET head_hash = excluded.head_hash, signed_at = excluded.signed_at,
         key_id = excluded.key_id, signature = excluded.signature`,
      [c.seq, c.headHash, c.signedAt, c.keyId, c.signature],
    );
  }

  async checkpoints(): Promise<SignedCheckpoint[]> {
    const { rows } = await this.pool.query<{
      seq: string;
      head_hash: string;
      signed_at: string;
      key_id: string;
      signature: string;
    }>(`SELECT * FROM ${this.checkpointsTable} ORDER BY seq`);
    return rows.map((r) => ({
      seq: Number(r.seq),
      headHash: r.head_hash,
      signedAt: r.signed_at,
      keyId: r.key_id,
      signature: r.signature,
    }));
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
