import { GENESIS_HASH, recordHash, type LedgerRecord } from './ledger-record.js';

export interface ChainVerdict {
  readonly ok: boolean;
  readonly records: number;
  /** The sequence number of the first record that does not fit the chain. */
  readonly firstBroken: number | null;
  readonly reason: string | null;
  /** The hash of the last record checked, for comparison with a signed checkpoint. */
  readonly headHash: string;
}

/** Walks a chain in order and names the first record whose contents or link do not hold. */
export async function verifyChain(
  records: Iterable<LedgerRecord> | AsyncIterable<LedgerRecord>,
  onRecord?: (record: LedgerRecord) => void,
): Promise<ChainVerdict> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let count = 0;
  const broken = (seq: number, reason: string): ChainVerdict => ({
    ok: false,
    records: count,
    firstBroken: seq,
    reason,
    headHash: prevHash,
  });
  for await (const record of records) {
    count += 1;
    if (record.seq !== expectedSeq)
      return broken(
        record.seq,
        `expected record ${expectedSeq} but found ${record.seq}: a record is missing or out of place`,
      );
    if (record.prevHash !== prevHash)
      return broken(record.seq, `its previous hash does not match the hash of record ${record.seq - 1}`);
    if (recordHash(record) !== record.hash)
      return broken(record.seq, 'its hash does not match its contents: the record was altered');
    onRecord?.(record);
    prevHash = record.hash;
    expectedSeq += 1;
  }
  return { ok: true, records: count, firstBroken: null, reason: null, headHash: prevHash };
}
