import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { caseMetrics } from './case-metrics.js';
import { domainEvent } from './ledger-fixtures.test-helpers.js';
import { ledgerEntryOf } from './ledger-record.js';
import { SqliteLedgerStore } from './sqlite-ledger-store.js';

const T = (hms: string) => `2026-11-23T${hms}Z`;

describe('case metrics, counted from what the ledger appends', () => {
  it('counts cases by service and outcome, breaches by partner, escalations by role, and step durations by mode', async () => {
    const store = new SqliteLedgerStore(':memory:');
    const registry = new Registry();
    const count = caseMetrics(registry, store);
    const completed = domainEvent('caseCompleted', 'c1', { decision: 'approved' }, T('09:03:00'));
    const append = async (...events: ReturnType<typeof domainEvent>[]) =>
      count((await store.append(events.map(ledgerEntryOf))).appended);
    await append(
      domainEvent(
        'caseSubmitted',
        'c1',
        { serviceId: 'business-licence', serviceVersion: 1, statutoryDeadline: T('09:02:30') },
        T('09:00:00'),
      ),
      domainEvent('stepStarted', 'c1', { stepId: 'bg', mode: 'outsourced' }, T('09:00:01')),
      domainEvent(
        'taskDispatched',
        'c1',
        {
          stepId: 'bg',
          taskId: 'c1:bg',
          partnerId: 'swift-checks',
          taskType: 'background-check@1',
          attempt: 1,
          deadline: T('09:00:30'),
          sharedFields: [],
        },
        T('09:00:02'),
      ),
    );
    // Later batches find the case's service in the ledger, not only in what they carry.
    await append(
      domainEvent(
        'deadlineBreached',
        'c1',
        { stepId: 'bg', taskId: 'c1:bg', partnerId: 'swift-checks', attempt: 1, deadline: T('09:00:30') },
        T('09:00:31'),
      ),
      domainEvent('stepCompleted', 'c1', { stepId: 'bg', mode: 'outsourced', outcome: 'completed' }, T('09:01:01')),
      domainEvent(
        'officerTaskEscalated',
        'c1',
        {
          stepId: 'decide',
          fromRole: 'licensing-officer',
          toRole: 'licensing-officer-supervisor',
          deadline: T('10:00:00'),
        },
        T('09:02:00'),
      ),
      completed,
    );
    const text = await registry.metrics();
    expect(text).toContain('govmesh_cases_total{service_id="business-licence",outcome="submitted"} 1');
    expect(text).toContain('govmesh_cases_total{service_id="business-licence",outcome="completed"} 1');
    expect(text).toContain(
      'govmesh_partner_tasks_dispatched_total{service_id="business-licence",partner="swift-checks"} 1',
    );
    // Completed at 09:03, after the statutory 09:02:30.
    expect(text).toContain('govmesh_statutory_deadline_breaches_total{service_id="business-licence"} 1');
    expect(text).toContain('govmesh_deadline_breaches_total{service_id="business-licence",partner="swift-checks"} 1');
    expect(text).toContain(
      'govmesh_escalations_total{service_id="business-licence",to_role="licensing-officer-supervisor"} 1',
    );
    expect(text).toContain(
      'govmesh_step_duration_seconds_sum{service_id="business-licence",mode="outsourced",outcome="completed"} 60',
    );
    // A redelivered batch appends nothing, so counts nothing twice.
    await append(completed);
    expect(await registry.metrics()).toContain(
      'govmesh_cases_total{service_id="business-licence",outcome="completed"} 1',
    );
  });

  it('counts a statutory breach once, when it is recorded, and judges an end by the deadline as the pauses moved it', async () => {
    const store = new SqliteLedgerStore(':memory:');
    const registry = new Registry();
    const count = caseMetrics(registry, store);
    const append = async (...events: ReturnType<typeof domainEvent>[]) =>
      count((await store.append(events.map(ledgerEntryOf))).appended);
    const submitted = (caseId: string) =>
      domainEvent(
        'caseSubmitted',
        caseId,
        { serviceId: 'well-permit', serviceVersion: 1, statutoryDeadline: T('10:00:00') },
        T('09:00:00'),
      );
    const breaches = async () =>
      (await registry.metrics()).match(
        /govmesh_statutory_deadline_breaches_total\{service_id="well-permit"\} (\d+)/,
      )?.[1];
    await append(
      submitted('breached'),
      domainEvent('statutoryDeadlineBreached', 'breached', { deadline: T('10:00:00'), escalatedTo: [] }, T('10:00:00')),
    );
    expect(await breaches()).toBe('1');
    // It ends after its deadline too: already counted.
    await append(domainEvent('caseCompleted', 'breached', { decision: 'approved' }, T('11:00:00')));
    expect(await breaches()).toBe('1');
    // Ends after the deadline first set, but within the one the applicant's wait moved it to.
    await append(
      submitted('paused'),
      domainEvent('statutoryClockResumed', 'paused', { deadline: T('12:00:00'), pausedSeconds: 7200 }, T('09:30:00')),
      domainEvent('caseCompleted', 'paused', { decision: 'approved' }, T('11:00:00')),
    );
    expect(await breaches()).toBe('1');
  });
});
