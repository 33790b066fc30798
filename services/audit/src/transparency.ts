import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import type { ServiceTransparency } from '@govmesh/contracts/partner-scorecard';

import { AwaitingRating } from './awaiting-rating.js';
import type { LedgerFacts } from './ledger-record.js';
import { median } from './scorecards.js';
import { SnapshotDamaged, bytes, list, nth, num, text, type SnapshotLine } from './snapshot-lines.js';

/** Processing times per snapshot line. */
const PROCESSING_CHUNK = 65_536;

const COUNT_FIELDS = [
  'received',
  'completed',
  'failed',
  'completedWithDeadline',
  'completedWithinDeadline',
  'breaches',
  'ratings',
  'ratingSum',
] as const;

interface ServiceFigures {
  readonly serviceId: string;
  received: number;
  completed: number;
  failed: number;
  completedWithDeadline: number;
  completedWithinDeadline: number;
  breaches: number;
  /** Submission to completion of each completed case, in ms. */
  readonly processingMs: number[];
  ratings: number;
  ratingSum: number;
}

interface OpenCase {
  readonly service: ServiceFigures;
  readonly submitted: number;
  deadline?: number;
  breached: boolean;
  rated: boolean;
}

/**
 * Folds ledger records, in order, into per-service public figures: counts, rates and medians, with
 * no case id or person in them. It follows the ledger for as long as the audit service runs (the
 * public page asks for the figures without signing in, so a request must not read the whole
 * ledger), and keeps of single cases only what can still change a figure: an open case's dates,
 * and a closed case not rated yet (for its rating, within its rating window). A case counts as it
 * ends, the first time.
 */
export class TransparencyTally {
  private readonly services = new Map<string, ServiceFigures>();
  private readonly open = new Map<string, OpenCase>();
  private readonly closedUnrated = new AwaitingRating<ServiceFigures>();
  /** The services a restore has taken back so far, by their place in the snapshot. */
  private readonly restoredServices: ServiceFigures[] = [];

  /** Cases the tally holds: open, or closed and still awaiting a rating. */
  held(): { cases: number } {
    return { cases: this.open.size + this.closedUnrated.size };
  }

  add(r: LedgerFacts): void {
    const f = r.facts;
    const time = Date.parse(r.time);
    this.closedUnrated.forgetPassed(time);
    if (r.type === DOMAIN_EVENTS.caseSubmitted.type) {
      if (this.open.has(r.caseId) || this.closedUnrated.has(r.caseId)) return;
      const service = this.service(String(f.serviceId));
      service.received += 1;
      this.open.set(r.caseId, {
        service,
        submitted: time,
        breached: false,
        rated: false,
        ...(typeof f.statutoryDeadline === 'string' ? { deadline: Date.parse(f.statutoryDeadline) } : {}),
      });
      return;
    }
    if (r.type === DOMAIN_EVENTS.satisfactionRated.type) {
      const c = this.open.get(r.caseId);
      // Rated once, after it ended; the ledger may list the rating before the end. A rating for a
      // case whose window passed is none the API gave (it refuses them), and counts for nothing.
      const service = c?.service ?? this.closedUnrated.take(r.caseId);
      if (!service) return;
      service.ratings += 1;
      service.ratingSum += Number(f.score);
      if (c) c.rated = true;
      return;
    }
    const c = this.open.get(r.caseId);
    if (!c) return;
    switch (r.type) {
      case DOMAIN_EVENTS.caseCompleted.type: {
        c.service.completed += 1;
        c.service.processingMs.push(time - c.submitted);
        if (c.deadline !== undefined) {
          c.service.completedWithDeadline += 1;
          if (!c.breached && time <= c.deadline) c.service.completedWithinDeadline += 1;
        }
        return this.close(r.caseId, c, time);
      }
      case DOMAIN_EVENTS.caseFailed.type:
        c.service.failed += 1;
        return this.close(r.caseId, c, time);
      case DOMAIN_EVENTS.caseWithdrawn.type:
        return this.close(r.caseId, c, time);
      // Time the case waited on the applicant does not count: the deadline moved by it.
      case DOMAIN_EVENTS.statutoryClockResumed.type:
        c.deadline = Date.parse(String(f.deadline));
        return;
      case DOMAIN_EVENTS.statutoryDeadlineBreached.type:
        if (!c.breached) c.service.breaches += 1;
        c.breached = true;
        return;
      default:
        return;
    }
  }

  /** Everything the tally holds, as lines for the read model's snapshot (see ScorecardTally.snapshot). */
  *snapshot(): Generator<SnapshotLine> {
    const index = new Map<ServiceFigures, number>();
    for (const s of this.services.values()) {
      index.set(s, index.size);
      yield ['service', s.serviceId, COUNT_FIELDS.map((field) => s[field])];
    }
    for (const s of this.services.values())
      for (let at = 0; at < s.processingMs.length; at += PROCESSING_CHUNK)
        yield [
          'processing',
          index.get(s),
          Buffer.from(Float64Array.from(s.processingMs.slice(at, at + PROCESSING_CHUNK)).buffer).toString('base64'),
        ];
    for (const [caseId, c] of this.open)
      yield ['open', caseId, index.get(c.service), c.submitted, c.deadline ?? null, c.breached, c.rated];
    for (const [day, caseId, s] of this.closedUnrated.entries()) yield ['unrated', day, caseId, index.get(s)];
  }

  /** Takes back one line `snapshot` gave, in its order. */
  restore(line: SnapshotLine): void {
    const services = this.restoredServices;
    switch (line[0]) {
      case 'service': {
        const s = this.service(text(line[1]));
        services.push(s);
        const counts = list(line[2]).map(num);
        if (counts.length !== COUNT_FIELDS.length) throw new SnapshotDamaged(`a service of ${counts.length} counts`);
        COUNT_FIELDS.forEach((field, i) => (s[field] = counts[i]!));
        return;
      }
      case 'processing': {
        const raw = bytes(line[2]);
        if (raw.length % 8 !== 0) throw new SnapshotDamaged('processing times of uneven length');
        const times = new Float64Array(raw.length / 8);
        new Uint8Array(times.buffer).set(raw);
        const s = nth(services, line[1]);
        for (const ms of times) s.processingMs.push(ms);
        return;
      }
      case 'open': {
        const deadline = line[4] === null ? undefined : num(line[4]);
        this.open.set(text(line[1]), {
          service: nth(services, line[2]),
          submitted: num(line[3]),
          ...(deadline === undefined ? {} : { deadline }),
          breached: line[5] === true,
          rated: line[6] === true,
        });
        return;
      }
      case 'unrated':
        this.closedUnrated.restore(num(line[1]), text(line[2]), nth(services, line[3]));
        return;
      default:
        throw new SnapshotDamaged(`a public figures line of unknown kind ${JSON.stringify(line[0])}`);
    }
  }

  figures(): ServiceTransparency[] {
    return [...this.services.values()]
      .sort((a, b) => a.serviceId.localeCompare(b.serviceId))
      .map((s) => ({
        serviceId: s.serviceId,
        received: s.received,
        completed: s.completed,
        failed: s.failed,
        withinStatutoryDeadline: s.completedWithDeadline ? s.completedWithinDeadline / s.completedWithDeadline : null,
        statutoryBreaches: s.breaches,
        medianProcessingMs: median(Float64Array.from(s.processingMs).sort()),
        satisfaction: { ratings: s.ratings, average: s.ratings ? s.ratingSum / s.ratings : null },
      }));
  }

  private service(serviceId: string): ServiceFigures {
    let s = this.services.get(serviceId);
    if (!s)
      this.services.set(
        serviceId,
        (s = {
          serviceId,
          received: 0,
          completed: 0,
          failed: 0,
          completedWithDeadline: 0,
          completedWithinDeadline: 0,
          breaches: 0,
          processingMs: [],
          ratings: 0,
          ratingSum: 0,
        }),
      );
    return s;
  }

  private close(caseId: string, c: OpenCase, at: number): void {
    this.open.delete(caseId);
    if (!c.rated) this.closedUnrated.closed(caseId, c.service, at);
  }
}

/** Per-service public figures over the whole ledger, read in one pass. */
export async function transparencyFigures(
  records: AsyncIterable<LedgerFacts> | Iterable<LedgerFacts>,
): Promise<ServiceTransparency[]> {
  const tally = new TransparencyTally();
  for await (const record of records) tally.add(record);
  return tally.figures();
}
