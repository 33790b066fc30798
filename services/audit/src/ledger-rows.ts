import type { ActorKind, LedgerFacts, LedgerRecord } from './ledger-record.js';

/** A ledger record as both stores keep it: one column per field, the facts as canonical JSON. */
export interface LedgerRow {
  /** PostgreSQL hands a BIGINT back as text; SQLite as a number. */
  seq: number | string;
  event_id: string;
  time: string;
  type: string;
  case_id: string;
  actor_kind: string;
  actor_id: string;
  facts: string;
  payload_digest: string;
  prev_hash: string;
  hash: string;
}

export function toRecord(row: LedgerRow): LedgerRecord {
  return {
    seq: Number(row.seq),
    eventId: row.event_id,
    time: row.time,
    type: row.type,
    caseId: row.case_id,
    actor: { kind: row.actor_kind as ActorKind, id: row.actor_id },
    facts: JSON.parse(row.facts) as Record<string, unknown>,
    payloadDigest: row.payload_digest,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** The columns of a row the read model reads (LedgerFacts), in the stores' SELECT. */
export const FACTS_COLUMNS = 'seq, time, type, case_id, facts';

export function toFacts(row: Pick<LedgerRow, 'seq' | 'time' | 'type' | 'case_id' | 'facts'>): LedgerFacts {
  return {
    seq: Number(row.seq),
    time: row.time,
    type: row.type,
    caseId: row.case_id,
    facts: JSON.parse(row.facts) as Record<string, unknown>,
  };
}
