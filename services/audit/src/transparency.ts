import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import type { ServiceTransparency } from '@govmesh/contracts/partner-scorecard';

import type { LedgerRecord } from './ledger-record.js';
import { median } from './scorecards.js';

interface CaseFacts {
  serviceId: string;
  submitted: number;
  deadline?: number;
  ended?: number;
  status?: 'completed' | 'failed';
  breached?: boolean;
  ratings: number[];
}

/** Per-service public figures: counts, rates and medians, with no case id or person in them. */
export async function transparencyFigures(
  records: AsyncIterable<LedgerRecord> | Iterable<LedgerRecord>,
): Promise<ServiceTransparency[]> {
  const cases = new Map<string, CaseFacts>();
  for await (const r of records) {
    const f = r.facts;
    const time = Date.parse(r.time);
    if (r.type === DOMAIN_EVENTS.caseSubmitted.type) {
      cases.set(r.caseId, {
        serviceId: String(f.serviceId),
        submitted: time,
        ratings: [],
        ...(typeof f.statutoryDeadline === 'string' ? { deadline: Date.parse(f.statutoryDeadline) } : {}),
      });
      continue;
    }
    const c = cases.get(r.caseId);
    if (!c) continue;
    if (r.type === DOMAIN_EVENTS.caseCompleted.type) Object.assign(c, { ended: time, status: 'completed' });
    else if (r.type === DOMAIN_EVENTS.caseFailed.type) Object.assign(c, { ended: time, status: 'failed' });
    else if (r.type === DOMAIN_EVENTS.satisfactionRated.type) c.ratings.push(Number(f.score));
    // Time the case waited on the applicant does not count: the deadline moved by it.
    else if (r.type === DOMAIN_EVENTS.statutoryClockResumed.type) c.deadline = Date.parse(String(f.deadline));
    else if (r.type === DOMAIN_EVENTS.statutoryDeadlineBreached.type) c.breached = true;
  }
  const byService = new Map<string, CaseFacts[]>();
  for (const c of cases.values()) byService.set(c.serviceId, [...(byService.get(c.serviceId) ?? []), c]);
  return [...byService.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([serviceId, list]) => {
      const completed = list.filter((c) => c.status === 'completed');
      const withDeadline = completed.filter((c) => c.deadline !== undefined);
      const ratings = list.flatMap((c) => c.ratings);
      return {
        serviceId,
        received: list.length,
        completed: completed.length,
        failed: list.filter((c) => c.status === 'failed').length,
        withinStatutoryDeadline: withDeadline.length
          ? withDeadline.filter((c) => !c.breached && c.ended! <= c.deadline!).length / withDeadline.length
          : null,
        statutoryBreaches: list.filter((c) => c.breached).length,
        medianProcessingMs: median(completed.map((c) => c.ended! - c.submitted).sort((a, b) => a - b)),
        satisfaction: {
          ratings: ratings.length,
          average: ratings.length ? ratings.reduce((a, b) => a + b, 0) / ratings.length : null,
        },
      };
    });
}
