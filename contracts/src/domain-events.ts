import { z } from 'zod';

import { Rfc3339, cloudEvent, type CloudEventAttributes } from './cloud-event.js';
import { RejectionCode } from './task-messages.js';
import { TaskTypeRef } from './task-type-ref.js';
import { PartnerId } from './topics.js';

/**
 * What every domain event's `data` carries besides its own fields. Events hold identifiers,
 * codes and field *names*, never a citizen's personal data: the ledger is readable by auditors.
 */
const Causality = {
  /** The case this event belongs to. */
  correlationId: z.string().min(1),
  /** The id of the event or command that caused this one. */
  causationId: z.string().min(1),
};
const StepId = z.string().min(1);
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest in lowercase hex');
const ExecutionModeName = z.enum(['in-house', 'controlled', 'outsourced']);

function domainEvent<const T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return { type, data: z.object({ ...Causality, ...shape }) } as const;
}

/** Every state change of a case, as recorded in the audit ledger on `govmesh.events`. */
export const DOMAIN_EVENTS = {
  caseSubmitted: domainEvent('gov.govmesh.case.submitted.v1', {
    serviceId: z.string().min(1),
    serviceVersion: z.number().int().min(1),
    /** When the whole service is due by law, if its definition states a statutory deadline. */
    statutoryDeadline: Rfc3339.optional(),
  }),
  stepStarted: domainEvent('gov.govmesh.step.started.v1', { stepId: StepId, mode: ExecutionModeName }),
  stepCompleted: domainEvent('gov.govmesh.step.completed.v1', {
    stepId: StepId,
    mode: ExecutionModeName,
    outcome: z.enum(['completed', 'skipped', 'failed']),
  }),
  taskDispatched: domainEvent('gov.govmesh.task.dispatched.v1', {
    stepId: StepId,
    taskId: z.string().min(1),
    partnerId: PartnerId,
    taskType: TaskTypeRef,
    attempt: z.number().int().min(1),
    deadline: Rfc3339,
    /** The names of the application fields handed over, for the data-minimization audit. */
    sharedFields: z.array(z.string()),
  }),
  dispatchRefused: domainEvent('gov.govmesh.task.dispatch-refused.v1', {
    stepId: StepId,
    code: z.string().min(1),
    reasons: z.array(z.string()).min(1),
  }),
  resultAccepted: domainEvent('gov.govmesh.task.result-accepted.v1', {
    stepId: StepId,
    taskId: z.string().min(1),
    partnerId: PartnerId,
    attempt: z.number().int().min(1),
    outcome: z.enum(['completed', 'failed']),
    /** SHA-256 of the canonical JSON of the accepted output, so a review can be bound to it. */
    outputDigest: Sha256.optional(),
  }),
  taskRevoked: domainEvent('gov.govmesh.task.revocation-recorded.v1', {
    stepId: StepId,
    taskId: z.string().min(1),
    partnerId: PartnerId,
    attempt: z.number().int().min(1),
    code: z.enum(['TASK.REVOKED', 'PARTNER.SUSPENDED', 'CASE.CLOSED']),
    /** The officer who took the task back, or `system` (a suspension, a case that ended early). */
    revokedBy: z.string().min(1),
    reason: z.string().min(1),
  }),
  resultRejected: domainEvent('gov.govmesh.task.result-rejected.v1', {
    taskId: z.string().min(1),
    partnerId: PartnerId,
    attempt: z.number().int().min(1).optional(),
    code: RejectionCode,
    reasons: z.array(z.string()).min(1),
  }),
  reviewDecided: domainEvent('gov.govmesh.review.decided.v1', {
    stepId: StepId,
    role: z.string().min(1),
    officerId: z.string().min(1),
    decision: z.enum(['approve', 'reject', 'request-rework', 'request-information']),
    /** What was decided: an officer step, a review of a partner's result, or a fallback. */
    task: z.enum(['officer', 'review', 'fallback']).optional(),
    /** For a review: the partner task whose result was judged, so rework counts against its partner. */
    taskId: z.string().min(1).optional(),
    partnerId: PartnerId.optional(),
    attempt: z.number().int().min(1).optional(),
    /** For a review: the digest of the result judged, binding the decision to exactly that output. */
    resultDigest: Sha256.optional(),
    /** The officer's reasons (sent to the partner for rework); the ledger keeps only their digest. */
    reasons: z.array(z.string().min(1)).optional(),
  }),
  officerTaskEscalated: domainEvent('gov.govmesh.officer-task.escalated.v1', {
    stepId: StepId,
    fromRole: z.string().min(1),
    toRole: z.string().min(1),
    /** When the escalated task is due in turn. */
    deadline: Rfc3339,
  }),
  /**
   * An officer task past its deadline at the top of its escalation path: recorded once, and the
   * task waits there, overdue, without a new event each period.
   */
  officerTaskBreached: domainEvent('gov.govmesh.officer-task.breached.v1', {
    stepId: StepId,
    role: z.string().min(1),
    /** The deadline that passed. */
    deadline: Rfc3339,
  }),
  /** The case waits on the applicant: its statutory time stops counting until they answer. */
  statutoryClockPaused: domainEvent('gov.govmesh.statutory-clock.paused.v1', {
    /** The statutory deadline as it stood when the clock stopped. */
    deadline: Rfc3339,
  }),
  /** The applicant answered: the clock runs again, the deadline moved by the time paused. */
  statutoryClockResumed: domainEvent('gov.govmesh.statutory-clock.resumed.v1', {
    deadline: Rfc3339,
    /** Working days the clock stood still (for a deadline in working days), else seconds. */
    pausedWorkingDays: z.number().int().min(0).optional(),
    pausedSeconds: z.number().int().min(0).optional(),
  }),
  /** The share of the statutory time the service names for a warning (`statutoryWarningAt`) has run. */
  statutoryDeadlineNear: domainEvent('gov.govmesh.statutory-deadline.near.v1', { deadline: Rfc3339 }),
  /**
   * The case is past its statutory deadline: recorded once, and its open officer tasks go to the
   * top of their escalation paths (`escalatedTo`).
   */
  statutoryDeadlineBreached: domainEvent('gov.govmesh.statutory-deadline.breached.v1', {
    deadline: Rfc3339,
    escalatedTo: z.array(z.string().min(1)),
  }),
  deadlineBreached: domainEvent('gov.govmesh.task.deadline-breached.v1', {
    stepId: StepId,
    taskId: z.string().min(1),
    partnerId: PartnerId,
    attempt: z.number().int().min(1),
    deadline: Rfc3339,
  }),
  taskReassigned: domainEvent('gov.govmesh.task.reassigned.v1', {
    stepId: StepId,
    taskId: z.string().min(1),
    fromPartnerId: PartnerId,
    toPartnerId: PartnerId,
    attempt: z.number().int().min(1),
    reason: z.string().min(1),
  }),
  /** A completed step undone because the case failed or was withdrawn (its `compensate` activity). */
  stepCompensated: domainEvent('gov.govmesh.step.compensated.v1', {
    stepId: StepId,
    agency: z.string().min(1),
    activity: z.string().min(1),
    outcome: z.enum(['done', 'failed']),
    reason: z.string().min(1).optional(),
  }),
  fellBackInHouse: domainEvent('gov.govmesh.step.fell-back-in-house.v1', {
    stepId: StepId,
    role: z.string().min(1),
    reason: z.string().min(1),
  }),
  citizenInputRequested: domainEvent('gov.govmesh.citizen-input.requested.v1', {
    stepId: StepId,
    fields: z.array(z.string()).min(1),
  }),
  citizenInputReminded: domainEvent('gov.govmesh.citizen-input.reminded.v1', {
    stepId: StepId,
    fields: z.array(z.string()).min(1),
    deadline: Rfc3339,
  }),
  citizenInputProvided: domainEvent('gov.govmesh.citizen-input.provided.v1', {
    stepId: StepId,
    fields: z.array(z.string()).min(1),
  }),
  /**
   * No worker of the agency picked an in-house step up in time: the step goes to `fallbackRole`'s
   * officers, or fails when the service names none.
   */
  agencyUnavailable: domainEvent('gov.govmesh.agency.unavailable.v1', {
    stepId: StepId,
    agency: z.string().min(1),
    activity: z.string().min(1),
    waitedSeconds: z.number().int().min(0),
    fallbackRole: z.string().min(1).optional(),
  }),
  lookupPerformed: domainEvent('gov.govmesh.lookup.performed.v1', {
    stepId: StepId,
    agency: z.string().min(1),
    registry: z.string().min(1),
    purpose: z.string().min(1),
    /** The names of the record's fields that entered the case (never their values). */
    fields: z.array(z.string()).optional(),
    found: z.boolean().optional(),
    /** SHA-256 of the request, as the provider's own log records it (cases asking registry services). */
    requestHash: Sha256.optional(),
  }),
  /**
   * The provider (or the client, for an answer that broke the exchange) refused the look-up: the
   * step goes to `fallbackRole`'s officers, or fails with the reason.
   */
  lookupRefused: domainEvent('gov.govmesh.lookup.refused.v1', {
    stepId: StepId,
    agency: z.string().min(1),
    registry: z.string().min(1),
    purpose: z.string().min(1),
    code: z.string().min(1),
    reason: z.string().min(1),
    requestHash: Sha256,
    fallbackRole: z.string().min(1).optional(),
  }),
  satisfactionRated: domainEvent('gov.govmesh.satisfaction.rated.v1', {
    score: z.number().int().min(1).max(5),
  }),
  caseCompleted: domainEvent('gov.govmesh.case.completed.v1', {
    decision: z.enum(['approved', 'rejected', 'completed']),
  }),
  caseWithdrawn: domainEvent('gov.govmesh.case.withdrawn.v1', {
    code: z.string().min(1),
    reason: z.string().min(1),
  }),
  caseFailed: domainEvent('gov.govmesh.case.failed.v1', {
    code: z.string().min(1),
    reason: z.string().min(1),
  }),
  /**
   * The case's personal data is gone from the platform: its Temporal history deleted, its
   * applicant unlinked, and every partner that received its fields told to delete them. The
   * ledger's earlier records stay, so the chain still verifies.
   */
  caseErased: domainEvent('gov.govmesh.case.erased.v1', {
    /**
     * `retention`: the service's time for closed cases ran out; `request`: an approved erasure
     * request. A code, not free text, so the ledger keeps it among the facts.
     */
    basis: z.enum(['retention', 'request']),
    /** The approved erasure request, for `request`. */
    requestId: z.string().min(1).optional(),
    /** The partners told to delete (`task.revoked`, code `CASE.ERASED`). */
    partnersTold: z.array(PartnerId),
  }),
} as const;

export type DomainEventKind = keyof typeof DOMAIN_EVENTS;
export type DomainEventData<K extends DomainEventKind> = z.infer<(typeof DOMAIN_EVENTS)[K]['data']>;

/** A domain event of one kind, in its CloudEvent envelope. */
export type DomainEventOf<K extends DomainEventKind> = Omit<CloudEventAttributes, 'type'> & {
  type: (typeof DOMAIN_EVENTS)[K]['type'];
  data: DomainEventData<K>;
};
export type DomainEvent = { [K in DomainEventKind]: DomainEventOf<K> }[DomainEventKind];

const envelopes = Object.values(DOMAIN_EVENTS).map((def) => cloudEvent(def.type, def.data));

/** The CloudEvent envelope of one domain event kind. */
export function domainEventEnvelope<K extends DomainEventKind>(kind: K): z.ZodType<DomainEventOf<K>> {
  return cloudEvent(DOMAIN_EVENTS[kind].type, DOMAIN_EVENTS[kind].data) as unknown as z.ZodType<DomainEventOf<K>>;
}

/** Any message on `govmesh.events`, told apart by `type`. */
export const DomainEvent = z.discriminatedUnion(
  'type',
  envelopes as [(typeof envelopes)[number], ...typeof envelopes],
) as unknown as z.ZodType<DomainEvent>;

/** The `source` of each platform component that emits domain events. */
export const EVENT_SOURCES = { worker: '/govmesh/worker', bridge: '/govmesh/bridge', api: '/govmesh/api' } as const;

/**
 * Who may say what: the one component allowed to emit each kind of domain event. Cases speak
 * through the worker; the bridge alone refuses results; the API alone records a citizen's rating.
 * The audit ledger refuses an event from any other source.
 */
const EMITTER: Partial<Record<DomainEventKind, (typeof EVENT_SOURCES)[keyof typeof EVENT_SOURCES]>> = {
  resultRejected: EVENT_SOURCES.bridge,
  satisfactionRated: EVENT_SOURCES.api,
};

/**
 * A citizen may rate a case's service within this many days of the case's end. The API refuses a
 * later rating, and the audit service's tallies forget a closed case nobody rated by then, so what
 * they hold does not grow with every case ever closed.
 */
export const RATING_WINDOW_DAYS = 30;

const DAY_MS = 24 * 3600 * 1000;

/** The moment a case that ended at `endedAt` can no longer be rated (RATING_WINDOW_DAYS later). */
export function ratingClosesAt(endedAt: Date): Date {
  return new Date(endedAt.getTime() + RATING_WINDOW_DAYS * DAY_MS);
}

/**
 * Until when (ms) the audit service still expects the rating of a case that ended at `endedAt`
 * (ms): the window, and a day for a rating accepted at the window's last moment to reach the
 * ledger (the API and the worker publish apart, and the ledger is ordered by arrival).
 */
export function ratingExpectedUntil(endedAt: number): number {
  return ratingClosesAt(new Date(endedAt)).getTime() + DAY_MS;
}

/** The source allowed to emit events of `type`, or undefined for a type that is no domain event. */
export function allowedSourceOf(type: string): string | undefined {
  const kind = (Object.keys(DOMAIN_EVENTS) as DomainEventKind[]).find((k) => DOMAIN_EVENTS[k].type === type);
  return kind === undefined ? undefined : (EMITTER[kind] ?? EVENT_SOURCES.worker);
}
