import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import type { AuditTimelineEntry, CitizenTimelineEntry, CitizenTimelineEvent } from '@govmesh/contracts/audit-record';

import type { LedgerRecord } from './ledger-record.js';

export type { AuditTimelineEntry, CitizenTimelineEntry };

export function auditTimeline(records: readonly LedgerRecord[]): AuditTimelineEntry[] {
  return [...records]
    .sort((a, b) => a.seq - b.seq)
    .map(({ seq, time, type, actor, facts, hash }) => ({ seq, time, type, actor, facts, hash }));
}

const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const words = (id: unknown) => text(id).replace(/-/g, ' ');

type Line = Omit<CitizenTimelineEntry, 'time'>;
const line = (what: string, event: CitizenTimelineEvent, values?: Record<string, string>): Line => ({
  what,
  event,
  ...(values ? { values } : {}),
});

/**
 * Which partner did the work, reviews, rejections, deadlines and reassignments are internal;
 * a citizen sees what happened to their application and which registries were read about them.
 * Each line carries its event's code and values, so a page can say it in its reader's language.
 */
function plainWords(r: LedgerRecord): Line | undefined {
  const f = r.facts;
  const step = typeof f.stepId === 'string' ? words(f.stepId) : '';
  switch (r.type) {
    case DOMAIN_EVENTS.caseSubmitted.type:
      return f.statutoryDeadline
        ? line(`Your application was received; it is due by ${text(f.statutoryDeadline)}`, 'received', {
            due: text(f.statutoryDeadline),
          })
        : line('Your application was received', 'received');
    case DOMAIN_EVENTS.stepStarted.type:
      return line(`Started: ${step}`, 'step-started', { step });
    case DOMAIN_EVENTS.stepCompleted.type:
      return f.outcome === 'skipped'
        ? line(`Not needed for your case: ${step}`, 'step-skipped', { step })
        : line(`Done: ${step}`, 'step-done', { step });
    case DOMAIN_EVENTS.citizenInputRequested.type: {
      const fields = (f.fields as string[]).join(', ');
      return line(`We need more information from you: ${fields}`, 'input-requested', { fields });
    }
    case DOMAIN_EVENTS.agencyUnavailable.type:
      return f.fallbackRole
        ? line(`Delayed: the agency's systems did not take up ${step}; an officer is doing it`, 'agency-delayed', {
            step,
          })
        : undefined;
    case DOMAIN_EVENTS.stepCompensated.type:
      return f.outcome === 'done'
        ? line(`Undone, as your case did not go ahead: ${step}`, 'step-undone', { step })
        : undefined;
    case DOMAIN_EVENTS.citizenInputProvided.type:
      return line('You sent the information we asked for', 'input-provided');
    case DOMAIN_EVENTS.statutoryClockPaused.type:
      return line('The time limit for deciding stands still until you answer', 'time-limit-paused');
    case DOMAIN_EVENTS.statutoryClockResumed.type:
      return line(`The time limit runs again: your case is now due by ${text(f.deadline)}`, 'time-limit-resumed', {
        due: text(f.deadline),
      });
    case DOMAIN_EVENTS.statutoryDeadlineBreached.type:
      return line(
        `Your case has passed its legal time limit (${text(f.deadline)}); a senior officer has been told`,
        'time-limit-breached',
        { due: text(f.deadline) },
      );
    case DOMAIN_EVENTS.lookupPerformed.type: {
      const values = { registry: words(f.registry), agency: words(f.agency), purpose: text(f.purpose) };
      return line(
        `We read the ${values.registry} of ${values.agency} instead of asking you, to ${values.purpose}`,
        'registry-read',
        values,
      );
    }
    case DOMAIN_EVENTS.caseCompleted.type:
      return f.decision === 'completed'
        ? line('Your case is complete', 'completed')
        : line(`Your case was decided: ${text(f.decision)}`, 'decided', { decision: text(f.decision) });
    case DOMAIN_EVENTS.caseFailed.type:
      return line('Your case could not be completed; the agency will contact you', 'failed');
    case DOMAIN_EVENTS.caseWithdrawn.type:
      return f.code === 'CASE.WITHDRAWN_BY_APPLICANT'
        ? line('You withdrew your application', 'withdrawn-by-applicant')
        : line('Your application was withdrawn: we did not hear back from you in time', 'withdrawn-no-answer');
    case DOMAIN_EVENTS.satisfactionRated.type:
      return line('You rated the service', 'rated');
    case DOMAIN_EVENTS.caseErased.type:
      return line('Your personal data in this case was erased', 'erased');
    default:
      return undefined;
  }
}

export function citizenTimeline(records: readonly LedgerRecord[]): CitizenTimelineEntry[] {
  return [...records]
    .sort((a, b) => a.seq - b.seq)
    .flatMap((r) => {
      const said = plainWords(r);
      return said ? [{ time: r.time, ...said }] : [];
    });
}
