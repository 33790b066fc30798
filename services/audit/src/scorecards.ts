import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import type { PartnerScorecard, PartnerStanding } from '@govmesh/contracts/partner-scorecard';

import { AwaitingRating } from './awaiting-rating.js';
import { DatedLog } from './dated-log.js';
import type { LedgerFacts } from './ledger-record.js';
import { SnapshotDamaged, bytes, list, nth, num, text, type SnapshotLine } from './snapshot-lines.js';

export interface ScorecardWindow {
  readonly from?: Date;
  readonly to?: Date;
}

/**
 * The composite score's weights. Each component is a rate in 0..1; a component with no data yet
 * is left out and the others are re-weighted, so a new partner is judged on what is known.
 */
export const SCORE_WEIGHTS = { onTime: 0.4, validity: 0.25, reviewApproval: 0.2, satisfaction: 0.15 } as const;

/** Dated counts per snapshot line: about 0.9 MB of base64 a line at most. */
const LOG_CHUNK = 32_768;

/** The task type of a refused result whose task the tally holds no dispatch of. */
const UNKNOWN_TASK_TYPE = '(unknown)';

interface Dispatch {
  readonly partnerId: string;
  readonly taskType: string;
  readonly at: number;
  readonly deadline: number;
}

/** What a partner's scorecard for one task type counts; each field a kind in its dated log. */
const COUNTED = [
  'assigned',
  'completedOnTime',
  'completedLate',
  'breached',
  'takenBack',
  'failed',
  'rejectedInvalid',
  'rejectedOther',
  'rework',
  'reviews',
  'approvals',
  'ratings',
] as const;
type Counted = (typeof COUNTED)[number];
const KIND = Object.fromEntries(COUNTED.map((name, kind) => [name, kind])) as Record<Counted, number>;

type Counts = Record<Counted, number> & {
  /** The sum of the satisfaction ratings counted in `ratings`. */
  ratingSum: number;
};

const noCounts = (): Counts => ({
  ...(Object.fromEntries(COUNTED.map((name) => [name, 0])) as Record<Counted, number>),
  ratingSum: 0,
});

interface Rating {
  readonly score: number;
  readonly time: number;
}

/** One partner and task type: its counts over the whole ledger, and (for windows) each one dated. */
interface Tally {
  readonly partnerId: string;
  readonly taskType: string;
  readonly total: Counts;
  /** Every counted event with its time; the value is a turnaround (completions) or a score (ratings). */
  readonly log: DatedLog;
}

/** The median of sorted numbers (the mean of the middle two for an even count). */
export function median(sorted: ArrayLike<number>): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A percentile of sorted numbers by the nearest-rank method. */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Folds ledger records, in order, into per-partner, per-task-type figures: over the whole ledger
 * as it goes (the standings), and over any window when asked (the scorecards), each counted event
 * kept with its time. A count belongs to the window its own record's time falls in; a dispatch
 * before the window still tells which partner holds a task whose result falls inside it, and a
 * rating inside the window counts for every partner that worked on the case.
 *
 * The tally follows the ledger for as long as the audit service runs, so it must not grow with
 * every case ever dispatched beyond its dated counts (about 17 bytes each). It forgets a case's
 * dispatches when the case closes, and the case once it is closed and rated (a case is rated once,
 * after it ended) or its rating window has passed (RATING_WINDOW_DAYS after its end, by the
 * ledger's clock). Nothing after a case closes changes a score: an answer to one of its tasks is
 * refused as not assigned, never as an invalid output, and counts against its sender under no task
 * type (a late partner's breach is already counted; a case the applicant withdrew is no fault of
 * the partner's). What it keeps of a closed case not rated yet is whom the rating would count for.
 */
export class ScorecardTally {
  private readonly dispatches = new Map<string, Dispatch>();
  private readonly latestAttempt = new Map<string, number>();
  private readonly tallies = new Map<string, Tally>();
  /** The ratings of cases still open, for a dispatch the ledger lists after them. */
  private readonly ratings = new Map<string, Rating[]>();
  /**
   * The tallies each open case counted in, whose satisfaction its ratings join as they arrive: the
   * standings are asked for every second, and a join at each ask grew with every case ever
   * dispatched (259 ms a pass at 300,000 cases).
   */
  private readonly caseTallies = new Map<string, Set<Tally>>();
  /** The same for closed cases not rated yet, within their rating window: all that is kept of a closed case. */
  private readonly closedUnrated = new AwaitingRating<Set<Tally>>();
  /** The tasks of each open case, to forget when it closes. */
  private readonly openCaseTasks = new Map<string, Set<string>>();
  /** The tallies a restore has taken back so far, by their place in the snapshot. */
  private readonly restoredTallies: Tally[] = [];

  /** What the tally holds of single cases: task attempts, and cases (open, or closed and not rated yet). */
  held(): { taskAttempts: number; cases: number } {
    const cases = [this.caseTallies, this.closedUnrated, this.openCaseTasks, this.ratings].flatMap((m) => [
      ...m.keys(),
    ]);
    return { taskAttempts: this.dispatches.size, cases: new Set(cases).size };
  }

  private tally(partnerId: string, taskType: string): Tally {
    const key = `${partnerId}\u0000${taskType}`;
    let t = this.tallies.get(key);
    if (!t) this.tallies.set(key, (t = { partnerId, taskType, total: noCounts(), log: new DatedLog() }));
    return t;
  }

  private dispatchOf(taskId: string, attempt: unknown): Dispatch | undefined {
    const a = typeof attempt === 'number' ? attempt : this.latestAttempt.get(taskId);
    return this.dispatches.get(`${taskId}#${a}`);
  }

  add(record: LedgerFacts): void {
    const f = record.facts;
    const time = Date.parse(record.time);
    this.closedUnrated.forgetPassed(time);
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
        const t = this.tally(d.partnerId, d.taskType);
        count(t, 'assigned', time);
        let counts = this.caseTallies.get(record.caseId);
        if (!counts) this.caseTallies.set(record.caseId, (counts = new Set()));
        if (!counts.has(t)) {
          counts.add(t);
          // Ratings of the case recorded before this dispatch join too, at their own time.
          for (const rating of this.ratings.get(record.caseId) ?? []) rate(t, rating);
        }
        return;
      }
      case DOMAIN_EVENTS.resultAccepted.type: {
        const d = this.dispatchOf(String(f.taskId), f.attempt);
        if (!d) return;
        const t = this.tally(d.partnerId, d.taskType);
        if (f.outcome === 'failed') count(t, 'failed', time);
        else count(t, time <= d.deadline ? 'completedOnTime' : 'completedLate', time, time - d.at);
        return;
      }
      case DOMAIN_EVENTS.resultRejected.type: {
        const d = this.dispatchOf(String(f.taskId), f.attempt);
        // A result for someone else's task still counts against the partner that sent it; one for a
        // task the tally holds no dispatch of (never dispatched, or its case closed) under no type.
        const t = this.tally(String(f.partnerId), d?.taskType ?? UNKNOWN_TASK_TYPE);
        count(t, f.code === 'CONTRACT.INVALID_OUTPUT' ? 'rejectedInvalid' : 'rejectedOther', time);
        return;
      }
      case DOMAIN_EVENTS.taskRevoked.type: {
        // The case ended under the partner (the applicant withdrew): no mark against it.
        if (f.code === 'CASE.CLOSED') return;
        const d = this.dispatchOf(String(f.taskId), f.attempt);
        if (d) count(this.tally(d.partnerId, d.taskType), 'takenBack', time);
        return;
      }
      case DOMAIN_EVENTS.deadlineBreached.type: {
        const d = this.dispatchOf(String(f.taskId), f.attempt);
        if (d) count(this.tally(d.partnerId, d.taskType), 'breached', time);
        return;
      }
      case DOMAIN_EVENTS.reviewDecided.type: {
        if (f.task !== 'review' || typeof f.taskId !== 'string') return;
        const d = this.dispatchOf(f.taskId, f.attempt);
        if (!d) return;
        const t = this.tally(d.partnerId, d.taskType);
        count(t, 'reviews', time);
        if (f.decision === 'approve') count(t, 'approvals', time);
        if (f.decision === 'request-rework') count(t, 'rework', time);
        return;
      }
      case DOMAIN_EVENTS.satisfactionRated.type: {
        const rating: Rating = { score: Number(f.score), time };
        // Done with a closed case once it is rated. A case is rated after it ended, but the ledger
        // may list the rating before the end (the API and the worker publish apart): an open case
        // keeps it until then, for a dispatch listed after it. A case the tally holds nothing of
        // (no partner task, or closed longer than its rating window) is not remembered for it.
        const closed = this.closedUnrated.take(record.caseId);
        for (const t of closed ?? this.caseTallies.get(record.caseId) ?? []) rate(t, rating);
        if (closed) return;
        if (this.openCaseTasks.has(record.caseId))
          this.ratings.set(record.caseId, [...(this.ratings.get(record.caseId) ?? []), rating]);
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
        this.closedUnrated.closed(record.caseId, counted, time);
        return;
      }
      default:
        return;
    }
  }

  /**
   * Each partner's count of tasks and score per task type over the whole ledger, as the
   * scorecards have them: what the standings publisher needs every second, in time that grows
   * with the partners and task types, not with the cases.
   */
  standings(): PartnerStanding[] {
    return [...this.tallies.values()].flatMap(({ partnerId, taskType, total }) =>
      // No partner is chosen for a task of no type.
      taskType === UNKNOWN_TASK_TYPE
        ? []
        : [{ partnerId, taskType, assigned: total.assigned, score: rates(total).score }],
    );
  }

  /**
   * Everything the tally holds, as lines for the read model's snapshot; `restore` takes them back
   * in this order into a new tally, which then follows the ledger as this one would.
   */
  *snapshot(): Generator<SnapshotLine> {
    const index = new Map<Tally, number>();
    for (const t of this.tallies.values()) {
      index.set(t, index.size);
      yield ['tally', t.partnerId, t.taskType, [...COUNTED.map((name) => t.total[name]), t.total.ratingSum]];
    }
    for (const t of this.tallies.values())
      for (const c of t.log.chunks(LOG_CHUNK))
        yield [
          'log',
          index.get(t),
          c.times.toString('base64'),
          c.kinds.toString('base64'),
          c.values.toString('base64'),
        ];
    for (const [key, d] of this.dispatches) yield ['dispatch', key, d.partnerId, d.taskType, d.at, d.deadline];
    for (const [taskId, attempt] of this.latestAttempt) yield ['attempt', taskId, attempt];
    for (const [caseId, ratings] of this.ratings) yield ['ratings', caseId, ratings.map((r) => [r.score, r.time])];
    for (const [caseId, ts] of this.caseTallies) yield ['caseTallies', caseId, [...ts].map((t) => index.get(t))];
    for (const [caseId, tasks] of this.openCaseTasks) yield ['openTasks', caseId, [...tasks]];
    for (const [day, caseId, ts] of this.closedUnrated.entries())
      yield ['unrated', day, caseId, [...ts].map((t) => index.get(t))];
  }

  /** Takes back one line `snapshot` gave, in its order. */
  restore(line: SnapshotLine): void {
    const tallies = this.restoredTallies;
    const ofIndex = (indexes: unknown) => new Set(list(indexes).map((i) => nth(tallies, i)));
    switch (line[0]) {
      case 'tally': {
        const t = this.tally(text(line[1]), text(line[2]));
        tallies.push(t);
        const counts = list(line[3]).map(num);
        if (counts.length !== COUNTED.length + 1) throw new SnapshotDamaged(`a tally of ${counts.length} counts`);
        COUNTED.forEach((name, i) => (t.total[name] = counts[i]!));
        t.total.ratingSum = counts[COUNTED.length]!;
        return;
      }
      case 'log':
        nth(tallies, line[1]).log.appendChunk({ times: bytes(line[2]), kinds: bytes(line[3]), values: bytes(line[4]) });
        return;
      case 'dispatch':
        this.dispatches.set(text(line[1]), {
          partnerId: text(line[2]),
          taskType: text(line[3]),
          at: num(line[4]),
          deadline: num(line[5]),
        });
        return;
      case 'attempt':
        this.latestAttempt.set(text(line[1]), num(line[2]));
        return;
      case 'ratings':
        this.ratings.set(
          text(line[1]),
          list(line[2]).map((r) => ({ score: num(list(r)[0]), time: num(list(r)[1]) })),
        );
        return;
      case 'caseTallies':
        this.caseTallies.set(text(line[1]), ofIndex(line[2]));
        return;
      case 'openTasks':
        this.openCaseTasks.set(text(line[1]), new Set(list(line[2]).map(text)));
        return;
      case 'unrated':
        this.closedUnrated.restore(num(line[1]), text(line[2]), ofIndex(line[3]));
        return;
      default:
        throw new SnapshotDamaged(`a scorecard line of unknown kind ${JSON.stringify(line[0])}`);
    }
  }

  /** The scorecards over a window (the whole ledger by default): one pass over the dated counts. */
  scorecards(window: ScorecardWindow = {}): PartnerScorecard[] {
    const from = window.from?.getTime() ?? -Infinity;
    const to = window.to?.getTime() ?? Infinity;
    const cards: PartnerScorecard[] = [];
    for (const { partnerId, taskType, log } of this.tallies.values()) {
      const c = noCounts();
      const turnarounds: number[] = [];
      log.forEachIn(from, to, (kind, value) => {
        const name = COUNTED[kind]!;
        c[name] += 1;
        if (name === 'ratings') c.ratingSum += value;
        else if (name === 'completedOnTime' || name === 'completedLate') turnarounds.push(value);
      });
      // A partner and task type with nothing in the window has no scorecard for it.
      if (COUNTED.every((name) => c[name] === 0)) continue;
      const sorted = Float64Array.from(turnarounds).sort();
      const { average, onTimeRate, validityRate, reviewApprovalRate, score } = rates(c);
      cards.push({
        partnerId,
        taskType,
        window: { from: window.from?.toISOString() ?? null, to: window.to?.toISOString() ?? null },
        assigned: c.assigned,
        completedOnTime: c.completedOnTime,
        late: c.breached + c.completedLate,
        revoked: c.breached + c.takenBack,
        failed: c.failed,
        rejectedInvalid: c.rejectedInvalid,
        rejectedOther: c.rejectedOther,
        sentBackForRework: c.rework,
        turnaroundMs: { median: median(sorted), p95: percentile(sorted, 95), samples: sorted.length },
        reviews: c.reviews,
        reviewApprovalRate,
        satisfaction: { ratings: c.ratings, average },
        onTimeRate,
        validityRate,
        score,
      });
    }
    return cards.sort((a, b) => a.partnerId.localeCompare(b.partnerId) || a.taskType.localeCompare(b.taskType));
  }
}

function count(t: Tally, name: Counted, time: number, value = 0): void {
  t.total[name] += 1;
  t.log.push(time, KIND[name], value);
}

function rate(t: Tally, rating: Rating): void {
  t.total.ratingSum += rating.score;
  count(t, 'ratings', rating.time, rating.score);
}

/** A tally's rates and its composite score. */
function rates(c: Counts) {
  const settled = c.completedOnTime + c.completedLate + c.breached + c.failed;
  const judged = c.completedOnTime + c.completedLate + c.failed + c.rejectedInvalid;
  const average = c.ratings ? c.ratingSum / c.ratings : null;
  const onTimeRate = settled ? c.completedOnTime / settled : null;
  const validityRate = judged ? 1 - c.rejectedInvalid / judged : null;
  const reviewApprovalRate = c.reviews ? c.approvals / c.reviews : null;
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
  records: AsyncIterable<LedgerFacts> | Iterable<LedgerFacts>,
  window: ScorecardWindow = {},
): Promise<PartnerScorecard[]> {
  const tally = new ScorecardTally();
  for await (const record of records) tally.add(record);
  return tally.scorecards(window);
}
