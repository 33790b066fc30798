import { DOMAIN_EVENTS, type DomainEvent, type DomainEventKind } from '@govmesh/contracts/domain-events';

import type { LedgerStore } from './ledger-store.js';

let counter = 0;

/** A valid domain event of one kind, as the worker or bridge would publish it. */
export function domainEvent<K extends DomainEventKind>(
  kind: K,
  caseId: string,
  data: Record<string, unknown>,
  time: string,
  source = '/govmesh/worker',
): DomainEvent {
  counter += 1;
  const parsed = DOMAIN_EVENTS[kind].data.parse({ correlationId: caseId, causationId: `${caseId}/cause`, ...data });
  return {
    specversion: '1.0',
    id: `${caseId}/${kind}/${counter}`,
    source,
    type: DOMAIN_EVENTS[kind].type,
    subject: caseId,
    time,
    datacontenttype: 'application/json',
    dataschema: `urn:govmesh:schema:${kind}`,
    data: parsed,
  } as DomainEvent;
}

/** The ledger, whose read stops after record `seq` until `open()` is called: a read that takes long. */
export function heldAfter(store: LedgerStore, seq: number) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const view: LedgerStore = Object.assign(Object.create(store) as LedgerStore, {
    async *facts(fromSeq = 1) {
      for await (const record of store.facts(fromSeq)) {
        yield record;
        if (record.seq === seq) await opened;
      }
    },
  });
  return { view, open };
}

/**
 * The ledger, with `hashAt` held once `hold` is called until `release` is: a snapshot write asks
 * for its last record's hash first, so this holds a write where it begins.
 */
export function hashesHeld(store: LedgerStore) {
  let held: Promise<void> | undefined;
  let release = () => {};
  const view: LedgerStore = Object.assign(Object.create(store) as LedgerStore, {
    async hashAt(seq: number) {
      await held;
      return store.hashAt(seq);
    },
  });
  return {
    view,
    hold: () => {
      held = new Promise<void>((resolve) => (release = resolve));
    },
    release: () => release(),
  };
}

/**
 * The records of case `k` of a varied ledger, a case every `apartMs` from `start`: of every ten,
 * some completed on time or late, failed, withdrawn, breached and dispatched again, sent back for
 * rework, refused an invalid answer, rated before or after they ended or not at all, and (k % 10
 * = 9) still open. Enough to hold every kind of state a read model keeps.
 */
export function variedCase(k: number, apartMs: number, start = Date.parse('2026-09-01T00:00:00Z')): DomainEvent[] {
  const caseId = `varied-${k}`;
  let at = start + k * apartMs;
  const iso = () => new Date(at).toISOString();
  const kind = k % 10;
  const partner = (n: number) => `partner-${(k + n) % 4}`;
  const events: DomainEvent[] = [
    domainEvent(
      'caseSubmitted',
      caseId,
      {
        serviceId: `service-${k % 3}`,
        serviceVersion: 1,
        ...(kind % 2 ? { statutoryDeadline: new Date(at + 3_600_000).toISOString() } : {}),
      },
      iso(),
    ),
  ];
  const task = (step: number, attempt: number, partnerId: string) => {
    const taskId = `${caseId}:step-${step}`;
    at += 1_000;
    events.push(
      domainEvent(
        'taskDispatched',
        caseId,
        {
          stepId: `step-${step}`,
          taskId,
          partnerId,
          taskType: `check-${step}@1`,
          attempt,
          deadline: new Date(at + 60_000).toISOString(),
          sharedFields: ['applicant.name'],
        },
        iso(),
      ),
    );
    return { stepId: `step-${step}`, taskId, partnerId, attempt };
  };
  for (let step = 0; step < 2; step += 1) {
    let t = task(step, 1, partner(step));
    // Rated before the case's end (the API and the worker publish apart): kept while it is open.
    if (step === 0 && (kind === 4 || kind === 9))
      events.push(domainEvent('satisfactionRated', caseId, { score: 2 }, iso(), '/govmesh/api'));
    if (kind === 2 && step === 0) {
      at += 90_000;
      events.push(
        domainEvent('deadlineBreached', caseId, { ...t, deadline: new Date(at - 30_000).toISOString() }, iso()),
      );
      t = task(step, 2, partner(step + 1));
    }
    if (kind === 3) {
      at += 500;
      const { stepId: _s, ...rejected } = t;
      events.push(
        domainEvent(
          'resultRejected',
          caseId,
          { ...rejected, code: 'CONTRACT.INVALID_OUTPUT', reasons: ['output.clear: expected boolean'] },
          iso(),
          '/govmesh/bridge',
        ),
      );
    }
    if (kind === 9 && step === 1) return events; // open: its last task not answered yet
    at += kind === 5 ? 120_000 : 5_000 + (k % 7) * 1_000;
    events.push(domainEvent('resultAccepted', caseId, { ...t, outcome: kind === 6 ? 'failed' : 'completed' }, iso()));
    if (kind === 7) {
      at += 1_000;
      events.push(
        domainEvent(
          'reviewDecided',
          caseId,
          {
            ...t,
            role: 'licensing-officer',
            officerId: 'officer-7',
            decision: step ? 'approve' : 'request-rework',
            task: 'review',
          },
          iso(),
        ),
      );
    }
  }
  at += 1_000;
  if (kind === 1) {
    events.push(
      domainEvent('statutoryDeadlineBreached', caseId, { deadline: iso(), escalatedTo: ['supervisor'] }, iso()),
    );
    events.push(
      domainEvent('statutoryClockResumed', caseId, { deadline: new Date(at + 7_200_000).toISOString() }, iso()),
    );
  }
  if (kind === 6)
    events.push(domainEvent('caseFailed', caseId, { code: 'STEP.FAILED', reason: 'a check failed' }, iso()));
  else if (kind === 8)
    events.push(domainEvent('caseWithdrawn', caseId, { code: 'APPLICANT', reason: 'withdrawn' }, iso()));
  else events.push(domainEvent('caseCompleted', caseId, { decision: 'approved' }, iso()));
  if (kind === 0 || kind === 5) {
    at += 3_600_000;
    events.push(domainEvent('satisfactionRated', caseId, { score: 1 + (k % 5) }, iso(), '/govmesh/api'));
  }
  return events;
}
