import { existsSync } from 'node:fs';

import type { PartnerScorecard } from '@govmesh/contracts/partner-scorecard';

import type { LedgerStore } from './ledger-store.js';
import { ScorecardTally } from './scorecards.js';
import { SqliteLedgerStore } from './sqlite-ledger-store.js';

/** What partner selection needs to know about a partner and task type. */
export interface PartnerStanding {
  readonly assigned: number;
  readonly score: number | null;
}

/**
 * Scorecards kept current for partner selection: each refresh reads only the records appended
 * since the last one. Opens the ledger read-only, and waits quietly while it does not exist yet.
 */
export class LedgerScoreboard {
  private store: LedgerStore | undefined;
  private readonly tally = new ScorecardTally();
  private cards = new Map<string, PartnerScorecard>();
  private refreshedAt = 0;

  constructor(
    private readonly open: () => LedgerStore | undefined,
    private readonly minIntervalMs = 500,
  ) {}

  static fromSqliteFile(path: string, minIntervalMs?: number): LedgerScoreboard {
    return new LedgerScoreboard(
      () => (existsSync(path) ? new SqliteLedgerStore(path, { readonly: true }) : undefined),
      minIntervalMs,
    );
  }

  async refresh(now = Date.now()): Promise<void> {
    if (now - this.refreshedAt < this.minIntervalMs) return;
    this.refreshedAt = now;
    this.store ??= this.open();
    if (!this.store) return;
    for await (const record of this.store.records(this.tally.seq + 1)) this.tally.add(record);
    this.cards = new Map(this.tally.scorecards().map((c) => [`${c.partnerId}\u0000${c.taskType}`, c]));
  }

  standing(partnerId: string, taskType: string): PartnerStanding | undefined {
    const card = this.cards.get(`${partnerId}\u0000${taskType}`);
    return card && { assigned: card.assigned, score: card.score };
  }

  close(): void {
    this.store?.close();
  }
}
