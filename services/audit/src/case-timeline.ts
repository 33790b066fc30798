import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import type { AuditTimelineEntry, CitizenTimelineEntry } from '@govmesh/contracts/audit-record';

import type { LedgerRecord } from './ledger-record.js';

export type { AuditTimelineEntry, CitizenTimelineEntry };

export function auditTimeline(records: readonly LedgerRecord[]): AuditTimelineEntry[] {
  return [...records]
    .sort((a, b) => a.seq - b.seq)
    .map(({ seq, time, type, actor, facts, hash }) => ({ seq, time, type, actor, facts, hash }));
}

const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const words = (id: unknown) => text(id).replace(/-/g, ' ');

/**
 * Which partner did the work, reviews, rejections, deadlines and reassignments are internal;
 * a citizen sees what happened to their application and which registries were read about them.
 */
function plainWords(r: LedgerRecord): string | undefined {
  const f = r.facts;
  switch (r.type) {
    case DOMAIN_EVENTS.caseSubmitted.type:
      return f.statutoryDeadline
        ? `Your application was received; it is due by ${text(f.statutoryDeadline)}`
        : 'Your application was received';
    case DOMAIN_EVENTS.stepStarted.type:
      return `Started: ${words(f.stepId)}`;
    case DOMAIN_EVENTS.stepCompleted.type:
      return f.outcome === 'skipped' ? `Not needed for your case: ${words(f.stepId)}` : `Done: ${words(f.stepId)}`;
    case DOMAIN_EVENTS.citizenInputRequested.type:
      return `We need more information from you: ${(f.fields as string[]).join(', ')}`;
    case DOMAIN_EVENTS.citizenInputProvided.type:
      return 'You sent the information we asked for';
    case DOMAIN_EVENTS.lookupPerformed.type:
      return `We read the ${words(f.registry)} of ${words(f.agency)} instead of asking you, to ${text(f.purpose)}`;
    case DOMAIN_EVENTS.caseCompleted.type:
      return f.decision === 'completed' ? 'Your case is complete' : `Your case was decided: ${text(f.decision)}`;
    case DOMAIN_EVENTS.caseFailed.type:
      return 'Your case could not be completed; the agency will contact you';
    case DOMAIN_EVENTS.caseWithdrawn.type:
      return f.code === 'CASE.WITHDRAWN_BY_APPLICANT'
        ? 'You withdrew your application'
        : 'Your application was withdrawn: we did not hear back from you in time';
    case DOMAIN_EVENTS.satisfactionRated.type:
      return 'You rated the service';
    case DOMAIN_EVENTS.caseErased.type:
      return 'Your personal data in this case was erased';
    default:
      return undefined;
  }
}

export function citizenTimeline(records: readonly LedgerRecord[]): CitizenTimelineEntry[] {
  return [...records]
    .sort((a, b) => a.seq - b.seq)
    .flatMap((r) => {
      const what = plainWords(r);
      return what ? [{ time: r.time, what }] : [];
    });
}
