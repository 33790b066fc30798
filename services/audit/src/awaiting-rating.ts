import { ratingExpectedUntil } from '@govmesh/contracts/domain-events';

/** The cases are kept by the (UTC) day they closed on. */
const DAY_MS = 24 * 3600 * 1000;

/**
 * The closed cases a tally still expects a rating for, with what the rating would count for: each
 * forgotten once its rating window has passed by the ledger's own clock (the newest record's time
 * seen), so a tally that follows the ledger for years holds about a window's closed cases, not
 * every case ever closed, and a tally read again from the ledger forgets the same ones.
 *
 * The cases sit in one map per day they closed on, and a day is forgotten whole once its last
 * case's window has passed: a case is forgotten between one and two days after its window, and
 * costs no more than a map entry (no close time of its own, no walk over single cases to forget).
 */
export class AwaitingRating<V> {
  /** Oldest day first. The ledger is in arrival order, so cases close nearly in order of time. */
  private readonly days: Array<{ readonly day: number; readonly cases: Map<string, V> }> = [];

  get size(): number {
    return this.days.reduce((sum, d) => sum + d.cases.size, 0);
  }

  has(caseId: string): boolean {
    return this.days.some((d) => d.cases.has(caseId));
  }

  /** Takes the case's entry out (it was rated), if it is still expected. */
  take(caseId: string): V | undefined {
    for (const { cases } of this.days) {
      const value = cases.get(caseId);
      if (value !== undefined) {
        cases.delete(caseId);
        return value;
      }
    }
    return undefined;
  }

  *keys(): IterableIterator<string> {
    for (const { cases } of this.days) yield* cases.keys();
  }

  /** A case closed at `closedAt` (ms): its rating is expected until its window has passed. */
  closed(caseId: string, value: V, closedAt: number): void {
    const day = Math.floor(closedAt / DAY_MS);
    const last = this.days.at(-1);
    // One listed after a later day's cases (the ledger's order is by arrival) joins the later day:
    // it is kept a little longer, never forgotten early.
    if (last && last.day >= day) last.cases.set(caseId, value);
    else this.days.push({ day, cases: new Map([[caseId, value]]) });
  }

  /** Forgets the days whose last case's window passed before `now` (the ledger's time, ms). */
  forgetPassed(now: number): void {
    while (this.days.length && now > ratingExpectedUntil((this.days[0]!.day + 1) * DAY_MS)) this.days.shift();
  }

  /** Every case with its day, oldest day first (for a snapshot). */
  *entries(): Generator<[day: number, caseId: string, value: V]> {
    for (const { day, cases } of this.days) for (const [caseId, value] of cases) yield [day, caseId, value];
  }

  /** Puts back a case `entries` gave, in the order it gave them. */
  restore(day: number, caseId: string, value: V): void {
    const last = this.days.at(-1);
    if (last && last.day === day) last.cases.set(caseId, value);
    else this.days.push({ day, cases: new Map([[caseId, value]]) });
  }
}
