import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

import {
  SqliteLedgerStore,
  scorecardsOf,
  transparencyFigures,
  verifyLedger,
  type LedgerRecord,
  type LedgerVerdict,
} from '@govmesh/audit';
import type { PartnerScorecard, ServiceTransparency } from '@govmesh/contracts/partner-scorecard';

import type { AuditReader } from '../ports.js';

/** Reads the audit service's SQLite ledger, read-only; an absent ledger reads as empty. */
export class LedgerAuditReader implements AuditReader {
  private store: SqliteLedgerStore | undefined;

  constructor(
    private readonly ledgerFile: string,
    private readonly signingKeyFile?: string,
  ) {}

  private open(): SqliteLedgerStore | undefined {
    if (!this.store && existsSync(this.ledgerFile))
      this.store = new SqliteLedgerStore(this.ledgerFile, { readonly: true });
    return this.store;
  }

  private publicKey(): KeyObject | undefined {
    return this.signingKeyFile && existsSync(this.signingKeyFile)
      ? createPublicKey(readFileSync(this.signingKeyFile, 'utf8'))
      : undefined;
  }

  async scorecards(window: { from?: Date; to?: Date } = {}): Promise<PartnerScorecard[]> {
    const store = this.open();
    return store ? await scorecardsOf(store.records(), window) : [];
  }

  async caseRecords(caseId: string): Promise<LedgerRecord[]> {
    return (await this.open()?.caseRecords(caseId)) ?? [];
  }

  async verify(): Promise<LedgerVerdict> {
    const store = this.open();
    if (!store) return { ok: true, records: 0, firstBroken: null, reason: null, signedThrough: 0 };
    const key = this.publicKey();
    return await verifyLedger(store.records(), await store.checkpoints(), key ? { publicKey: key } : {});
  }

  async transparency(): Promise<ServiceTransparency[]> {
    const store = this.open();
    return store ? await transparencyFigures(store.records()) : [];
  }

  close(): void {
    this.store?.close();
  }
}
