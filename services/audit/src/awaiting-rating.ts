import { RATING_EXPECTED_FOR_MS } from '@govmesh/contracts/domain-events';

const PASS_EVERY_MS = 3600 * 1000;

/**
 * The closed cases a tally still expects a rating for, with what the rating would count for: each
 * forgotten once its rating window has passed by the ledger's own clock (the newest record's time
 * seen), so a tally that follows the ledger for years holds about a window's closed cases, not
 * every case ever closed, and a tally read again from the ledger forgets the same ones.
 */
export class AwaitingRating<V> {
  /** In the order the cases closed: the oldest is the first to forget. */
  private readonly cases = new Map<string, { readonly value: V; readonly closedAt: number }>();
  private passedAt = -Infinity;

  get size(): number {
    return this.cases.size;
  }

  has(caseId: string): boolean {
    return this.cases.has(caseId);
  }

  /** Takes the case's entry out (it was rated), if it is still expected. */
  take(caseId: string): V | undefined {
    const entry = this.cases.get(caseId);
    this.cases.delete(caseId);
    return entry?.value;
  }

  keys(): IterableIterator<string> {
    return this.cases.keys();
  }

  /** A case closed at `closedAt` (ms): its rating is expected until the window has passed. */
  closed(caseId: string, value: V, closedAt: number): void {
    this.cases.set(caseId, { value, closedAt });
  }

  /**
   * Forgets the cases whose window passed before `now` (the ledger's time, ms), at most once an
   * hour of it: a pass walks the map from its oldest entry, past the slots its deletions left until
   * the map is rebuilt, which every record would pay. The ledger is in arrival order, so close
   * times are nearly in order: the first one still expected ends the pass.
   */
  forgetPassed(now: number): void {
    if (now - this.passedAt < PASS_EVERY_MS) return;
    this.passedAt = now;
    for (const [caseId, { closedAt }] of this.cases) {
      if (now - closedAt <= RATING_EXPECTED_FOR_MS) return;
      this.cases.delete(caseId);
    }
  }
}
