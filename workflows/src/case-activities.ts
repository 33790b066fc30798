import type { DomainEventKind } from '@govmesh/contracts/domain-events';
import type { Classification, Deadline, ExecutionMode, PartnerSelection } from '@govmesh/contracts/service-definition';
import type { RegistryLookupOutcome } from '@govmesh/contracts/registry-exchange';
import type { Deprecation } from '@govmesh/contracts/standards';

/**
 * The activities the service-case workflow calls: ports, implemented by the worker. The
 * workflow sees only these types, never the code that does I/O.
 */
export interface DispatchRequest {
  readonly caseId: string;
  readonly stepId: string;
  readonly taskId: string;
  readonly taskType: string;
  readonly partnerId: string;
  readonly attempt: number;
  /** Re-checked by the activity: core-and-critical work is refused even if a definition was forged. */
  readonly classification: Classification;
  readonly mode: ExecutionMode;
  readonly deadline: Deadline;
  /** Only the application fields the step's `share` list names. */
  readonly input: Record<string, unknown>;
  readonly causationId: string;
  /** Set when the task type's major is deprecated: the partner is told on the wire (sunset, replacement). */
  readonly deprecation?: Deprecation;
  /**
   * Days the service keeps a closed case's personal data; the partner is told on the wire that it
   * may keep the task's data no longer. Absent on dispatches scheduled before retention was said.
   */
  readonly retentionDays?: number;
  /** When an officer sent the previous result back: what the partner must correct. */
  readonly rework?: { readonly previousAttempt: number; readonly reasons: readonly string[] };
  /** The case's events recorded since its last publish, published first, in the same send. */
  readonly precedingEvents?: readonly DomainEventRecord[];
  /**
   * The sequence the case's journal gave this dispatch's event (`taskDispatched`, or
   * `dispatchRefused`), so its id follows the case's own numbering and the next event names it as
   * its cause. Absent for cases started before dispatches were numbered.
   */
  readonly dispatchSequence?: number;
}

export interface DispatchReceipt {
  /** RFC 3339. */
  readonly deadline: string;
  /** Milliseconds from dispatch to the deadline, for the workflow's timer. */
  readonly deadlineInMs: number;
}

/** A dispatch whose partner the activity chooses: one local activity where there were two. */
export interface ChosenPartnerDispatchRequest extends Omit<DispatchRequest, 'partnerId'> {
  readonly selection: {
    readonly strategy: PartnerSelection['select'];
    readonly only?: readonly string[];
    readonly exclude: readonly string[];
  };
}

/** The partner chosen and the task's deadline; or no partner eligible, and nothing sent but the events. */
export type ChosenPartnerDispatch = (DispatchReceipt & { readonly partnerId: string }) | { readonly partnerId: null };

export interface RevokeRequest {
  readonly caseId: string;
  readonly taskId: string;
  readonly partnerId: string;
  readonly attempt: number;
  readonly code: 'TASK.REVOKED' | 'TASK.DEADLINE_PASSED' | 'PARTNER.SUSPENDED' | 'CASE.CLOSED';
  readonly reasons: readonly string[];
}

export interface DomainEventRecord {
  readonly kind: DomainEventKind;
  readonly caseId: string;
  readonly stepId?: string;
  readonly attempt?: number;
  readonly causationId: string;
  /** Counts the case's events, so that an id is the same on every replay and retry. */
  readonly sequence: number;
  readonly data: Record<string, unknown>;
}

export interface CaseActivities {
  /** The partner to try next: active, holding the capability, not yet tried for this step. */
  selectPartner(request: {
    taskType: string;
    strategy: PartnerSelection['select'];
    only?: readonly string[];
    exclude: readonly string[];
  }): Promise<string | null>;
  /** Publishes `task.assigned` to the partner's task topic. */
  dispatchTask(request: DispatchRequest): Promise<DispatchReceipt>;
  /**
   * Chooses the partner as `selectPartner` does and dispatches to it as `dispatchTask` does; with
   * no partner eligible, publishes the preceding events alone and says so.
   */
  dispatchToChosenPartner(request: ChosenPartnerDispatchRequest): Promise<ChosenPartnerDispatch>;
  /** Publishes `task.revoked` to the partner's task topic. */
  revokeTask(request: RevokeRequest): Promise<void>;
  /** Publishes a domain event to the audit topic; returns its (deterministic) id. Cases started before events were batched. */
  recordDomainEvent(event: DomainEventRecord): Promise<string>;
  /** Publishes a case's events to the audit topic, in order, in one send. */
  recordDomainEvents(events: readonly DomainEventRecord[]): Promise<void>;
  /** When a deadline counted from now falls due (working days need the calendar, which is I/O). */
  computeDueDate(request: { deadline: Deadline }): Promise<{ due: string; inMs: number }>;
  /**
   * The case's statutory clock, started now (no `paused`), or resumed now after standing still
   * since `paused.from` while the case waited on the applicant (working days need the calendar).
   */
  statutoryClock(request: StatutoryClockRequest): Promise<StatutoryClockReading>;
  /** Reads another agency's registry for a stated purpose. */
  performLookup(request: {
    caseId: string;
    stepId: string;
    agency: string;
    registry: string;
    key: unknown;
    purpose: string;
  }): Promise<Record<string, unknown>>;
}

export interface StatutoryClockRequest {
  readonly deadline: Deadline;
  /** The share of the time after which the case warns that its deadline is near. */
  readonly warningAt: number;
  readonly paused?: { readonly from: string; readonly due: string; readonly warnAt: string };
}

export interface StatutoryClockReading {
  /** RFC 3339: when the case is due by law. */
  readonly due: string;
  /** RFC 3339: when the case records that its deadline is near. */
  readonly warnAt: string;
  /** On a resume: what the pause took off the clock. */
  readonly pausedWorkingDays?: number;
  readonly pausedSeconds?: number;
}

/**
 * A look-up in another agency's registry service, asked by the case's own agency (its worker, with
 * its credentials, on its task queue): the provider's answer, or its refusal with the reason.
 * Registered by every agency worker (`@govmesh/agency-sdk`) under this name.
 */
export type RegistryLookupActivity = (request: {
  readonly requestId: string;
  readonly client: string;
  readonly provider: string;
  readonly registry: string;
  readonly caseId: string;
  readonly purpose: string;
  readonly fields: readonly string[];
  readonly key: unknown;
}) => Promise<RegistryLookupOutcome>;

/** The activity name an agency worker answers look-ups under. */
export const REGISTRY_LOOKUP_ACTIVITY = 'registryLookup';

/** An agency's in-house automated step, run on that agency's own task queue. */
export type AgencyActivity = (request: {
  caseId: string;
  stepId: string;
  application: Record<string, unknown>;
}) => Promise<Record<string, unknown>>;
