import type { KeyObject } from 'node:crypto';

import type { LedgerVerdict } from '@govmesh/contracts/audit-record';

import { verifyChain } from './chain-verification.js';
import { checkpointIsAuthentic } from './checkpoint-signing.js';
import type { LedgerRecord } from './ledger-record.js';
import type { SignedCheckpoint } from './ledger-store.js';

export type { LedgerVerdict };

export interface VerifyOptions {
  /** Checks every checkpoint's signature with this key. */
  readonly publicKey?: KeyObject;
  /** An export must be signed up to its last record, or records could have been added after it. */
  readonly requireSignedHead?: boolean;
}

/**
 * Recomputes the chain, then holds it against the signed checkpoints: a rewritten chain that is
 * consistent in itself still disagrees with a head hash signed before the rewrite.
 */
export async function verifyLedger(
  records: Iterable<LedgerRecord> | AsyncIterable<LedgerRecord>,
  checkpoints: readonly SignedCheckpoint[],
  options: VerifyOptions = {},
): Promise<LedgerVerdict> {
  const wanted = new Set(checkpoints.map((c) => c.seq));
  const hashAt = new Map<number, string>();
  const chain = await verifyChain(records, (r) => {
    if (wanted.has(r.seq)) hashAt.set(r.seq, r.hash);
  });
  if (!chain.ok)
    return {
      ok: false,
      records: chain.records,
      firstBroken: chain.firstBroken,
      reason: chain.reason,
      signedThrough: 0,
    };

  let signedThrough = 0;
  for (const checkpoint of [...checkpoints].sort((a, b) => a.seq - b.seq)) {
    const broken = (reason: string): LedgerVerdict => ({
      ok: false,
      records: chain.records,
      firstBroken: checkpoint.seq,
      reason,
      signedThrough,
    });
    if (checkpoint.seq > chain.records)
      return broken(`checkpoint ${checkpoint.seq} is beyond the last record ${chain.records}: records were removed`);
    if (options.publicKey && !checkpointIsAuthentic(checkpoint, options.publicKey)) {
      return broken(`the checkpoint at record ${checkpoint.seq} is not signed by the given key`);
    }
    if (hashAt.get(checkpoint.seq) !== checkpoint.headHash) {
      return broken(
        `record ${checkpoint.seq} does not match the head hash signed at ${checkpoint.signedAt}: the chain was rewritten`,
      );
    }
    signedThrough = checkpoint.seq;
  }
  if (options.requireSignedHead && signedThrough !== chain.records) {
    return {
      ok: false,
      records: chain.records,
      firstBroken: signedThrough + 1,
      reason: `records after ${signedThrough} are not covered by a signed checkpoint`,
      signedThrough,
    };
  }
  return { ok: true, records: chain.records, firstBroken: null, reason: null, signedThrough };
}
