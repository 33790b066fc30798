import type { PartnerScorecard, PartnerStanding, ServiceTransparency } from '@govmesh/contracts/partner-scorecard';
import type { Logger } from 'pino';

import type { LedgerStore } from './ledger-store.js';
import { sharedRuns } from './shared-runs.js';
import { ScorecardTally, type ScorecardWindow } from './scorecards.js';
import { TransparencyTally } from './transparency.js';

/**
 * The scorecards, the standings and the public figures, kept by following the ledger: each read
 * takes only the records appended since the last, so an answer costs what is new plus one pass
 * over the tallies, not a read of the whole ledger. A request for the public figures (no sign-in)
 * or the API's metrics scrape read the whole ledger each time before, and so did the standings.
 *
 * Every answer is read after it was asked for: a caller waits for a read that began after its
 * call, which everyone asking meanwhile shares, so concurrent callers cost one read.
 */
export class LedgerReadModel {
  private readonly scorecardTally = new ScorecardTally();
  private readonly transparencyTally = new TransparencyTally();
  private lastSeq = 0;

  constructor(
    private readonly store: LedgerStore,
    private readonly logger?: Logger,
  ) {}

  /** The sequence number of the last record the model holds. */
  get seq(): number {
    return this.lastSeq;
  }

  /** Reads what was appended since the last read; resolved once the read that began after the call ends. */
  readonly catchUp: () => Promise<void> = sharedRuns(() => this.read());

  async scorecards(window: ScorecardWindow = {}): Promise<PartnerScorecard[]> {
    await this.catchUp();
    return this.scorecardTally.scorecards(window);
  }

  async standings(): Promise<PartnerStanding[]> {
    await this.catchUp();
    return this.scorecardTally.standings();
  }

  async transparency(): Promise<ServiceTransparency[]> {
    await this.catchUp();
    return this.transparencyTally.figures();
  }

  private async read(): Promise<void> {
    const started = performance.now();
    const from = this.lastSeq;
    for await (const record of this.store.records(this.lastSeq + 1)) {
      this.scorecardTally.add(record);
      this.transparencyTally.add(record);
      this.lastSeq = record.seq;
    }
    // The first read of a long-used ledger takes a while: say so.
    const ms = performance.now() - started;
    if (ms > 1_000)
      this.logger?.info({ records: this.lastSeq - from, ms: Math.round(ms) }, 'ledger read model caught up');
  }
}
