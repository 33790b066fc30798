import type { AuditCheckpoint } from '@govmesh/contracts/audit-record';

import type { LedgerEntry, LedgerFacts, LedgerRecord } from './ledger-record.js';

/** A signed statement of the chain's head at one point: an export is verified against these. */
export type SignedCheckpoint = AuditCheckpoint;

export interface AppendOutcome {
  readonly appended: readonly LedgerRecord[];
  /** Events already in the ledger (a replay after a crash): ignored. */
  readonly duplicates: number;
}

/**
 * Where the ledger lives. SQLite is the embedded default; the interface is async so that a
 * server database (PostgreSQL) can be put behind it without changing its callers.
 */
export interface LedgerStore {
  /** Appends in one transaction, in order; an event id already stored is skipped. */
  append(entries: readonly LedgerEntry[]): Promise<AppendOutcome>;
  head(): Promise<{ readonly seq: number; readonly hash: string }>;
  /** The hash of record `seq` alone (one row), or undefined when the ledger holds no such record. */
  hashAt(seq: number): Promise<string | undefined>;
  records(fromSeq?: number): AsyncIterable<LedgerRecord>;
  /**
   * The records' facts alone, as the read model counts them: a read of the whole ledger at the
   * audit service's start reads what it needs, not each record's hashes and ids.
   */
  facts(fromSeq?: number): AsyncIterable<LedgerFacts>;
  caseRecords(caseId: string): Promise<LedgerRecord[]>;
  addCheckpoint(checkpoint: SignedCheckpoint): Promise<void>;
  checkpoints(): Promise<SignedCheckpoint[]>;
  close(): Promise<void>;
}
