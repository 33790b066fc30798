import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import { Counter, Histogram, type Registry } from 'prom-client';

import type { LedgerRecord } from './ledger-record.js';
import type { LedgerStore } from './ledger-store.js';

/** What the metrics need to know of a case: its service and, if it has one, its statutory deadline. */
interface CaseFacts {
  readonly service: string;
  statutoryDeadline: string | undefined;
  /** Set once the case's own breach record was counted: its end is not counted again. */
  breachCounted?: boolean;
}

const OUTCOMES: Readonly<Record<string, string>> = {
  [DOMAIN_EVENTS.caseSubmitted.type]: 'submitted',
  [DOMAIN_EVENTS.caseCompleted.type]: 'completed',
  [DOMAIN_EVENTS.caseFailed.type]: 'failed',
  [DOMAIN_EVENTS.caseWithdrawn.type]: 'withdrawn',
};

/**
 * What happened to cases, counted as the ledger records it (the one place that sees every case's
 * every event once): cases by service and outcome, step durations, partner dispatches and deadline
 * breaches by partner, officer escalations by role, statutory breaches. Ids and codes only.
 */
export function caseMetrics(registry: Registry, store: Pick<LedgerStore, 'caseRecords'>) {
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  const cases = counter(
    'govmesh_cases_total',
    'Cases by service and what happened to them (submitted, completed, failed, withdrawn), as the ledger recorded it',
    ['service_id', 'outcome'],
  );
  const breaches = counter(
    'govmesh_deadline_breaches_total',
    'Partner tasks past their deadline, by service and partner',
    ['service_id', 'partner'],
  );
  const dispatched = counter(
    'govmesh_partner_tasks_dispatched_total',
    'Tasks handed to partners (every attempt), by service and partner: the base of the on-time rate',
    ['service_id', 'partner'],
  );
  const statutory = counter(
    'govmesh_statutory_deadline_breaches_total',
    "Cases past their service's statutory deadline, by service: when the breach is recorded (or, for cases started before the clock was kept, when they ended after it)",
    ['service_id'],
  );
  const escalations = counter(
    'govmesh_escalations_total',
    'Officer tasks escalated past their deadline, by service and the role escalated to',
    ['service_id', 'to_role'],
  );
  const steps = new Histogram({
    name: 'govmesh_step_duration_seconds',
    help: 'Time from a step starting to its end, by service, execution mode (in-house, controlled, outsourced) and outcome',
    labelNames: ['service_id', 'mode', 'outcome'] as const,
    buckets: [1, 10, 60, 600, 3_600, 86_400, 7 * 86_400, 30 * 86_400],
    registers: [registry],
  });

  // A case's facts are in its first record; the recent cases' stay at hand.
  const known = new Map<string, CaseFacts>();
  const factsOf = (submitted: LedgerRecord | undefined): CaseFacts => ({
    service: typeof submitted?.facts.serviceId === 'string' ? submitted.facts.serviceId : 'unknown',
    statutoryDeadline:
      typeof submitted?.facts.statutoryDeadline === 'string' ? submitted.facts.statutoryDeadline : undefined,
  });
  function remember(caseId: string, facts: CaseFacts): CaseFacts {
    if (known.size >= 10_000) known.clear();
    known.set(caseId, facts);
    return facts;
  }
  async function caseOf(caseId: string): Promise<CaseFacts> {
    return (
      known.get(caseId) ??
      remember(
        caseId,
        factsOf((await store.caseRecords(caseId)).find((r) => r.type === DOMAIN_EVENTS.caseSubmitted.type)),
      )
    );
  }

  /** Counts the records just appended (never a duplicate: those are not appended twice). */
  return async function count(appended: readonly LedgerRecord[]): Promise<void> {
    for (const record of appended) {
      if (record.type === DOMAIN_EVENTS.caseSubmitted.type) remember(record.caseId, factsOf(record));
      const facts = await caseOf(record.caseId);
      const { service, statutoryDeadline } = facts;
      const outcome = OUTCOMES[record.type];
      if (outcome) {
        cases.inc({ service_id: service, outcome });
        const late = statutoryDeadline && Date.parse(record.time) > Date.parse(statutoryDeadline);
        if (outcome !== 'submitted' && late && !facts.breachCounted) statutory.inc({ service_id: service });
      } else if (record.type === DOMAIN_EVENTS.statutoryDeadlineBreached.type) {
        facts.breachCounted = true;
        statutory.inc({ service_id: service });
      } else if (record.type === DOMAIN_EVENTS.statutoryClockResumed.type) {
        // The time the case waited on the applicant does not count against it.
        facts.statutoryDeadline = String(record.facts.deadline);
      } else if (record.type === DOMAIN_EVENTS.taskDispatched.type)
        dispatched.inc({ service_id: service, partner: String(record.facts.partnerId) });
      else if (record.type === DOMAIN_EVENTS.deadlineBreached.type)
        breaches.inc({ service_id: service, partner: String(record.facts.partnerId) });
      else if (record.type === DOMAIN_EVENTS.officerTaskEscalated.type)
        escalations.inc({ service_id: service, to_role: String(record.facts.toRole) });
      else if (record.type === DOMAIN_EVENTS.stepCompleted.type) {
        const started = (await store.caseRecords(record.caseId)).findLast(
          (r) => r.type === DOMAIN_EVENTS.stepStarted.type && r.facts.stepId === record.facts.stepId,
        );
        if (started)
          steps.observe(
            { service_id: service, mode: String(record.facts.mode), outcome: String(record.facts.outcome) },
            Math.max(0, Date.parse(record.time) - Date.parse(started.time)) / 1000,
          );
      }
    }
  };
}
