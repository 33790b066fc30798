import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import type { PartnerScorecard, PartnerStanding } from '@govmesh/contracts/partner-scorecard';

import type { LedgerRecord } from './ledger-record.js';

export interface ScorecardWindow {
  readonly from?: Date;
  readonly to?: Date;
}

/**
 * The composite score's weights. Each component is a rate in 0..1; a component with no data yet
 * is left out and the others are re-weighted, so a new partner is judged on what is known.
 */
export const SCORE_WEIGHTS = { onTime: 0.4, validity: 0.25, reviewApproval: 0.2, satisfaction: 0.15 } as const;

/** The task type of a refused result whose task the tally holds no dispatch of. */
const UNKNOWN_TASK_TYPE = '(unknown)';

interface Dispatch {
  readonly partnerId: string;
  readonly taskType: string;
  readonly at: number;
  readonly deadline: number;
}

interface Tally {
  assigned: number;
  completedOnTime: number;
  completedLate: number;
  breached: number;
  takenBack: number;
  failed: number;
  rejectedInvalid: number;
  rejectedOther: number;
  rework: number;
  reviews: number;
  approvals: number;
  turnarounds: number[];
  /** Satisfaction ratings of the cases this partner and task type counted in. */
  ratingSum: number;
  ratingCount: number;
}

const emptyTally = (): Tally => ({
  assigned: 0,
  completedOnTime: 0,
  completedLate: 0,
  breached: 0,
  takenBack: 0,
  failed: 0,
  rejectedInvalid: 0,
  rejectedOther: 0,
  rework: 0,
  reviews: 0,
  approvals: 0,
  turnarounds: [],
  ratingSum: 0,
  ratingCount: 0,
});

/** The median of sorted numbers (the mean of the middle two for an even count). */
export function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A percentile of sorted numbers by the nearest-rank method. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Folds ledger records, in order, into per-partner, per-task-type figures. Records outside the
 * window still teach it which partner holds which task, so a result inside the window whose
 * dispatch was before it is attributed correctly.
 */
export class ScorecardTally {
  private readonly dispatches = new Map<string, Dispatch>();
  private readonly latestAttempt = new Map<string, number>();
  private readonly tallies = new Map<string, Tally>();
  /** The ratings of cases still open, for a dispatch the ledger lists after them. */
  private readonly ratings = new Map<string, number[]>();
  /**
   * The tallies each open case counted in, whose satisfaction its ratings join as they arrive: the
   * standings publisher asks for the figures every second, and a join at each ask grew with every
   * case ever dispatched (259 ms a pass at 300,000 cases).
   */
  private readonly caseTallies = new Map<string, Set<Tally>>();
  /** The same for closed cases not rated yet: all that is kept of a closed case. */
  private readonly closedUnrated = new Map<string, Set<Tally>>();
  /** The tasks of each open case, to forget when it closes. */
  private readonly openCaseTasks = new Map<string, Set<string>>();
  private lastSeq = 0;

  /**
   * A tally forgets a case's dispatches when the case closes, and the case once it is closed and
   * rated (a case is rated once, after it ended): the read model and the standings publisher
   * follow the ledger for as long as the audit service runs, and must not grow with every case
   * ever dispatched. Nothing after a case closes changes a count: an answer to one of its tasks is
   * refused as not assigned, never as an invalid output, and is no mark of its own (a late
   * partner's breach is already counted; a case the applicant withdrew is no fault of the
   * partner's). What it keeps of a closed case not rated yet is whom the rating would count for,
   * and of every task its turnaround.
   *
   * `standingsOnly`: the standings publisher's, which keeps no turnarounds either.
   */
  constructor(
    private readonly window: ScorecardWindow = {},
    private readonly options: { readonly standingsOnly?: boolean } = {},
  ) {}

  /** What the tally holds of single cases: task attempts, and cases (open, or closed and not rated yet). */
  held(): { taskAttempts: number; cases: number } {
    const cases = [this.caseTallies, this.closedUnrated, this.openCaseTasks, this.ratings].flatMap((m) => [
      ...m.keys(),
    ]);
    return { taskAttempts: this.dispatches.size, cases: new Set(cases).size };
  }

  /** The sequence number of the last record added, to read on from there. */
  get seq(): number {
    return this.lastSeq;
  }

  private inWindow(time: number): boolean {
    return (
      (!this.window.from || time >= this.window.from.getTime()) && (!this.window.to || time < this.window.to.getTime())
    );
  }

  private tally(partnerId: string, taskType: string): Tally {
    const key = `${partnerId}\u0000${taskType}`;
    let t = this.tallies.get(key);
    if (!t) this.tallies.set(key, (t = emptyTally()));
    return t;
  }

  private dispatchOf(taskId: string, attempt: unknown): Dispatch | undefined {
    const a = typeof attempt === 'number' ? attempt : this.latestAttempt.get(taskId);
    return this.dispatches.get(`${taskId}#${a}`);
  }

  add(record: LedgerRecord): void {
    this.lastSeq = record.seq;
    const f = record.facts;
    const time = Date.parse(record.time);
    const counted = this.inWindow(time);
    switch (record.type) {
      case DOMAIN_EVENTS.taskDispatched.type: {
        const d: Dispatch = {
          partnerId: String(f.partnerId),
          taskType: String(f.taskType),
          at: time,
          deadline: Date.parse(String(f.deadline)),
        };
        this.dispatches.set(`${String(f.taskId)}#${Number(f.attempt)}`, d);
        this.latestAttempt.set(String(f.taskId), Number(f.attempt));
        let tasks = this.openCaseTasks.get(record.caseId);
        if (!tasks) this.openCaseTasks.set(record.caseId, (tasks = new Set()));
        tasks.add(String(f.taskId));
        if (counted) {
          const t = this.tally(d.partnerId, d.taskType);
          t.assigned += 1;
          let counts = this.caseTallies.get(record.caseId);
          if (!counts) this.caseTallies.set(record.caseId, (counts = new Set()));
          if (!counts.has(t)) {
            counts.add(t);
            // Ratings of the case recorded before this dispatch join too, as they always did.
            for (const score of this.ratings.get(record.caseId) ?? []) rate(t, score);
          }
        }
        return;
      }
      case DOMAIN_EVENTS.resultAccepted.type: {
        const d = this.dispatchOf(String(f.taskId), f.attempt);
        if (!d || !counted) return;
        const t = this.tally(d.partnerId, d.taskType);
        if (f.outcome === 'failed') {
          t.failed += 1;
          return;
        }
        if (time <= d.deadline) t.completedOnTime += 1;
        else t.completedLate += 1;
        if (!this.options.standingsOnly) t.turnarounds.push(time - d.at);
        return;
      }
      case DOMAIN_EVENTS.resultRejected.type: {
        if (!counted) return;
        const d = this.dispatchOf(String(f.taskId), f.attempt);
        // A standings tally publishes no standing for a task it holds no dispatch of (a closed
        // case's, or one never dispatched): no score counts a refusal that is not an invalid output.
        if (!d && this.options.standingsOnly) return;
        // A result for someone else's task still counts against the partner that sent it; one for a
        // task the tally holds no dispatch of (never dispatched, or its case closed) under no type.
        const t = this.tally(String(f.partnerId), d?.taskType ?? UNKNOWN_TASK_TYPE);
        if (f.code === 'CONTRACT.INVALID_OUTPUT') t.rejectedInvalid += 1;
        else t.rejectedOther += 1;
        return;
      }
      case DOMAIN_EVENTS.taskRevoked.type: {
        // The case ended under the partner (the applicant withdrew): no mark against it.
        if (f.code === 'CASE.CLOSED') return;
        const d = this.dispatchOf(String(f.taskId), f.attempt);
        if (d && counted) this.tally(d.partnerId, d.taskType).takenBack += 1;
        return;
      }
      case DOMAIN_EVENTS.deadlineBreached.type: {
        const d = this.dispatchOf(String(f.taskId), f.attempt);
        if (d && counted) this.tally(d.partnerId, d.taskType).breached += 1;
        return;
      }
      case DOMAIN_EVENTS.reviewDecided.type: {
        if (f.task !== 'review' || typeof f.taskId !== 'string' || !counted) return;
        const d = this.dispatchOf(f.taskId, f.attempt);
        if (!d) return;
        const t = this.tally(d.partnerId, d.taskType);
        t.reviews += 1;
        if (f.decision === 'approve') t.approvals += 1;
        if (f.decision === 'request-rework') t.rework += 1;
        return;
      }
      case DOMAIN_EVENTS.satisfactionRated.type: {
        if (!counted) return;
        const score = Number(f.score);
        const closed = this.closedUnrated.get(record.caseId);
        for (const t of closed ?? this.caseTallies.get(record.caseId) ?? []) rate(t, score);
        // Done with a closed case once it is rated. A case is rated after it ended, but the ledger
        // may list the rating before the end (the API and the worker publish apart): an open case
        // keeps it until then, for a dispatch listed after it. A case the tally holds nothing of
        // (no partner task) is not remembered for it.
        if (closed) this.closedUnrated.delete(record.caseId);
        else if (this.openCaseTasks.has(record.caseId))
          this.ratings.set(record.caseId, [...(this.ratings.get(record.caseId) ?? []), score]);
        return;
      }
      case DOMAIN_EVENTS.caseCompleted.type:
      case DOMAIN_EVENTS.caseFailed.type:
      case DOMAIN_EVENTS.caseWithdrawn.type: {
        for (const taskId of this.openCaseTasks.get(record.caseId) ?? []) {
          for (let a = this.latestAttempt.get(taskId) ?? 0; a > 0; a -= 1) this.dispatches.delete(`${taskId}#${a}`);
          this.latestAttempt.delete(taskId);
        }
        this.openCaseTasks.delete(record.caseId);
        const counted = this.caseTallies.get(record.caseId);
        this.caseTallies.delete(record.caseId);
        // Rated already (while it was open): nothing more can count for it.
        if (this.ratings.delete(record.caseId) || !counted) return;
        this.closedUnrated.set(record.caseId, counted);
        return;
      }
      default:
        return;
    }
  }

  /**
   * Each partner's count of tasks and score per task type, as the full scorecards have them: what
   * the standings publisher needs every second, in time that grows with the partners and task
   * types, not with the cases (no turnaround is sorted).
   */
  standings(): PartnerStanding[] {
    return [...this.tallies].flatMap(([key, t]) => {
      const [partnerId, taskType] = key.split('\u0000') as [string, string];
      // No partner is chosen for a task of no type.
      return taskType === UNKNOWN_TASK_TYPE
        ? []
        : [{ partnerId, taskType, assigned: t.assigned, score: rates(t).score }];
    });
  }

  scorecards(): PartnerScorecard[] {
    if (this.options.standingsOnly) throw new Error('a standings tally keeps no turnarounds: ask it for standings()');
    const cards: PartnerScorecard[] = [];
    for (const [key, t] of this.tallies) {
      const [partnerId, taskType] = key.split('\u0000') as [string, string];
      const turnarounds = [...t.turnarounds].sort((a, b) => a - b);
      const { average, onTimeRate, validityRate, reviewApprovalRate, score } = rates(t);
      cards.push({
        partnerId,
        taskType,
        window: { from: this.window.from?.toISOString() ?? null, to: this.window.to?.toISOString() ?? null },
        assigned: t.assigned,
        completedOnTime: t.completedOnTime,
        late: t.breached + t.completedLate,
        revoked: t.breached + t.takenBack,
        failed: t.failed,
        rejectedInvalid: t.rejectedInvalid,
        rejectedOther: t.rejectedOther,
        sentBackForRework: t.rework,
        turnaroundMs: { median: median(turnarounds), p95: percentile(turnarounds, 95), samples: turnarounds.length },
        reviews: t.reviews,
        reviewApprovalRate,
        satisfaction: { ratings: t.ratingCount, average },
        onTimeRate,
        validityRate,
        score,
      });
    }
    return cards.sort((a, b) => a.partnerId.localeCompare(b.partnerId) || a.taskType.localeCompare(b.taskType));
  }
}

function rate(t: Tally, score: number): void {
  t.ratingSum += score;
  t.ratingCount += 1;
}

/** A tally's rates and its composite score. */
function rates(t: Tally) {
  const settled = t.completedOnTime + t.completedLate + t.breached + t.failed;
  const judged = t.completedOnTime + t.completedLate + t.failed + t.rejectedInvalid;
  const average = t.ratingCount ? t.ratingSum / t.ratingCount : null;
  const onTimeRate = settled ? t.completedOnTime / settled : null;
  const validityRate = judged ? 1 - t.rejectedInvalid / judged : null;
  const reviewApprovalRate = t.reviews ? t.approvals / t.reviews : null;
  const score = compositeScore({
    onTime: onTimeRate,
    validity: validityRate,
    reviewApproval: reviewApprovalRate,
    satisfaction: average === null ? null : (average - 1) / 4,
  });
  return { average, onTimeRate, validityRate, reviewApprovalRate, score };
}

/** The weighted mean of the components that have data; null when none has. */
export function compositeScore(components: Record<keyof typeof SCORE_WEIGHTS, number | null>): number | null {
  let sum = 0;
  let weight = 0;
  for (const [name, w] of Object.entries(SCORE_WEIGHTS) as Array<[keyof typeof SCORE_WEIGHTS, number]>) {
    const value = components[name];
    if (value === null) continue;
    sum += w * value;
    weight += w;
  }
  return weight ? sum / weight : null;
}

/** Scorecards over a window, read from the ledger in one pass. */
export async function scorecardsOf(
  records: AsyncIterable<LedgerRecord> | Iterable<LedgerRecord>,
  window: ScorecardWindow = {},
): Promise<PartnerScorecard[]> {
  const tally = new ScorecardTally(window);
  for await (const record of records) tally.add(record);
  return tally.scorecards();
}
