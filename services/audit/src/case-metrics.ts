import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import { Counter, Histogram, type Registry } from 'prom-client';

import type { LedgerRecord } from './ledger-record.js';
import type { LedgerStore } from './ledger-store.js';

/**
 * What happened to cases, counted as the ledger records it (the one place that sees every case's
 * every event once): cases by service and outcome, partner deadline breaches by service and
 * partner, officer escalations by service and the role escalated to. Ids and codes only.
 */
export function caseMetrics(registry: Registry, store: Pick<LedgerStore, 'caseRecords'>) {
  const cases = new Counter({
    name: 'govmesh_cases_total',
    help: 'Cases by service and what happened to them (submitted, completed, failed, withdrawn), as the ledger recorded it',
    labelNames: ['service_id', 'outcome'] as const,
    registers: [registry],
  });
  const breaches = new Counter({
    name: 'govmesh_deadline_breaches_total',
    help: 'Partner tasks past their deadline, by service and partner',
    labelNames: ['service_id', 'partner'] as const,
    registers: [registry],
  });
  const dispatched = new Counter({
    name: 'govmesh_partner_tasks_dispatched_total',
    help: 'Tasks handed to partners (every attempt), by service and partner: the base of the on-time rate',
    labelNames: ['service_id', 'partner'] as const,
    registers: [registry],
  });
  const statutory = new Counter({
    name: 'govmesh_statutory_deadline_breaches_total',
    help: "Cases that ended after their service's statutory deadline, by service",
    labelNames: ['service_id'] as const,
    registers: [registry],
  });
  const escalations = new Counter({
    name: 'govmesh_escalations_total',
    help: 'Officer tasks escalated past their deadline, by service and the role escalated to',
    labelNames: ['service_id', 'to_role'] as const,
    registers: [registry],
  });
  const steps = new Histogram({
    name: 'govmesh_step_duration_seconds',
    help: 'Time from a step starting to its end, by service, execution mode (in-house, controlled, outsourced) and outcome',
    labelNames: ['service_id', 'mode', 'outcome'] as const,
    buckets: [1, 10, 60, 600, 3_600, 86_400, 7 * 86_400, 30 * 86_400],
    registers: [registry],
  });
  // The service of a case is in its first record; the recent ones stay at hand.
  const serviceOfCase = new Map<string, string>();
  async function serviceOf(caseId: string): Promise<string> {
    const known = serviceOfCase.get(caseId);
    if (known) return known;
    const submitted = (await store.caseRecords(caseId)).find((r) => r.type === DOMAIN_EVENTS.caseSubmitted.type);
    const service = typeof submitted?.facts.serviceId === 'string' ? submitted.facts.serviceId : 'unknown';
    remember(caseId, service);
    return service;
  }
  function remember(caseId: string, service: string): void {
    if (serviceOfCase.size >= 10_000) serviceOfCase.clear();
    serviceOfCase.set(caseId, service);
  }
  const OUTCOMES: Record<string, string> = {
    [DOMAIN_EVENTS.caseSubmitted.type]: 'submitted',
    [DOMAIN_EVENTS.caseCompleted.type]: 'completed',
    [DOMAIN_EVENTS.caseFailed.type]: 'failed',
    [DOMAIN_EVENTS.caseWithdrawn.type]: 'withdrawn',
  };

  /** Counts the records just appended (never a duplicate: those are not appended twice). */
  return async function count(appended: readonly LedgerRecord[]): Promise<void> {
    for (const record of appended) {
      if (record.type === DOMAIN_EVENTS.caseSubmitted.type && typeof record.facts.serviceId === 'string')
        remember(record.caseId, record.facts.serviceId);
      const outcome = OUTCOMES[record.type];
      if (outcome) cases.inc({ service_id: await serviceOf(record.caseId), outcome });
      if (outcome && outcome !== 'submitted') {
        const submitted = (await store.caseRecords(record.caseId)).find(
          (r) => r.type === DOMAIN_EVENTS.caseSubmitted.type,
        );
        const due = submitted?.facts.statutoryDeadline;
        if (typeof due === 'string' && Date.parse(record.time) > Date.parse(due))
          statutory.inc({ service_id: await serviceOf(record.caseId) });
      }
      if (record.type === DOMAIN_EVENTS.taskDispatched.type)
        dispatched.inc({ service_id: await serviceOf(record.caseId), partner: String(record.facts.partnerId) });
      else if (record.type === DOMAIN_EVENTS.deadlineBreached.type)
        breaches.inc({ service_id: await serviceOf(record.caseId), partner: String(record.facts.partnerId) });
      else if (record.type === DOMAIN_EVENTS.stepCompleted.type) {
        const started = (await store.caseRecords(record.caseId)).findLast(
          (r) => r.type === DOMAIN_EVENTS.stepStarted.type && r.facts.stepId === record.facts.stepId,
        );
        if (started)
          steps.observe(
            {
              service_id: await serviceOf(record.caseId),
              mode: String(record.facts.mode),
              outcome: String(record.facts.outcome),
            },
            Math.max(0, Date.parse(record.time) - Date.parse(started.time)) / 1000,
          );
      } else if (record.type === DOMAIN_EVENTS.officerTaskEscalated.type)
        escalations.inc({ service_id: await serviceOf(record.caseId), to_role: String(record.facts.toRole) });
    }
  };
}
