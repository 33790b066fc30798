import type { Deadline, ServiceDefinition } from '@govmesh/contracts/service-definition';
import { defaultDeadlineOf } from '@govmesh/contracts/service-rules';
import type { PinnedContracts } from '@govmesh/contracts/standards';
import { type ActivityOptions, patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

import type { CaseState } from './case-api.js';
import type { CaseActivities } from './case-activities.js';
import { CaseJournal } from './case-journal.js';
import type { OpenWork } from './case-model.js';
import type { VisibilityFeatures } from './case-visibility.js';

/**
 * Cases that started on `case-features-2026-12` keep OFFICER_DUE_BY from this change on, asked where
 * they first wait on an officer. Kept only so that those cases replay: a marker asked after an
 * await is unsafe (see `caseActivities`), so cases started since ask it with the others, at the start.
 */
const OFFICER_DUE_BY_CHANGE = 'officer-due-search-attribute';

const ACTIVITY_OPTIONS = {
  // Each is a publish or a look-up: a worker that died holding one is noticed within seconds.
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: ['CONTROL.CORE_CRITICAL_DISPATCH'],
  },
} satisfies ActivityOptions;

type LocalCaseActivities = Pick<
  CaseActivities,
  | 'recordDomainEvent'
  | 'recordDomainEvents'
  | 'selectPartner'
  | 'dispatchTask'
  | 'dispatchToChosenPartner'
  | 'computeDueDate'
  | 'statutoryClock'
>;

/** The names of the local activities (a proxy lists none of its own). */
const LOCAL_ACTIVITY_NAMES: Record<keyof LocalCaseActivities, true> = {
  recordDomainEvent: true,
  recordDomainEvents: true,
  selectPartner: true,
  dispatchTask: true,
  dispatchToChosenPartner: true,
  computeDueDate: true,
  statutoryClock: true,
};

const remoteActivities = proxyActivities<CaseActivities>(ACTIVITY_OPTIONS);
/**
 * Recording a domain event and choosing a partner run as local activities: in the worker, without
 * a round trip to the Temporal server each (a partner step went from 20 state transitions to
 * 4; bench/RESULTS.md). A local activity may run twice if the worker dies before
 * the workflow task completes; the event id is the case's sequence number, so the ledger keeps one.
 */
const localActivities = proxyLocalActivities<LocalCaseActivities>(ACTIVITY_OPTIONS);

/** What every step runner of one case works with. */
export interface CaseContext {
  readonly caseId: string;
  readonly definition: ServiceDefinition;
  /** The contract revisions the case started with. */
  readonly contracts: PinnedContracts;
  /** The citizen's application, as citizen input has completed it so far. */
  readonly application: Record<string, unknown>;
  readonly state: CaseState;
  readonly open: OpenWork;
  readonly journal: CaseJournal;
  /** Publishing, revoking and look-ups, through the Temporal server. */
  readonly remote: CaseActivities;
  /** Choosing partners and recording events: local for cases started after the first patch. */
  readonly local: LocalCaseActivities;
  /** Dispatching and reckoning deadlines: local for cases started after the second patch. */
  readonly localDispatch: LocalCaseActivities;
  /**
   * Whether a local activity the case called has not yet returned to it. Updates are refused
   * meanwhile (`CASE_BUSY`, see `acceptMessages`).
   */
  readonly localActivityRunning: () => boolean;
  /** A partner step's first partner is chosen by its dispatch (cases started after that patch). */
  readonly choosesPartnerInDispatch: boolean;
  /**
   * The applicant may withdraw the case, and a case that ends early (withdrawn or failed) takes
   * back every partner task it still holds (cases started after `applicant-withdrawal`).
   */
  readonly closesOpenWork: boolean;
  /**
   * An agency step nobody picks up in time records `agency.unavailable` and goes to its fallback
   * officer role, or fails (cases started after `agency-unavailable-escalates`).
   */
  readonly escalatesUnavailableAgency: boolean;
  /** A case that fails or is withdrawn runs its completed steps' compensations (after `step-compensation`). */
  readonly compensatesSteps: boolean;
  /**
   * The deadline of an officer, review or citizen wait: the step's own, else the service's default
   * (cases started after `default-deadlines`; before, a step without one waited for ever).
   */
  readonly deadlineOr: (own: Deadline | undefined) => Deadline | undefined;
  /**
   * The statutory clock runs (paused while the case waits on the applicant, warned, breached) and
   * an overdue officer task climbs the service's escalation chain to its top, where it is recorded
   * once as breached and waits (cases started after `statutory-time-limits`).
   */
  readonly keepsTimeLimits: boolean;
  /**
   * A look-up is asked of the provider's registry service by the case's own agency, on its task
   * queue, and a refusal is recorded and handled (cases started after `registry-services`; before,
   * the platform's worker read an in-process registry).
   */
  readonly asksRegistryServices: boolean;
}

/**
 * The activities as this case's history says it called them. The markers are read once, at the
 * start, in this order: cases started before each change replay with what they ran then
 * (workflows/histories/ holds one recorded before each marker).
 */
export function caseActivities(
  caseId: string,
  definition: Pick<ServiceDefinition, 'defaultDeadline'>,
): Pick<
  CaseContext,
  | 'remote'
  | 'local'
  | 'localDispatch'
  | 'localActivityRunning'
  | 'journal'
  | 'choosesPartnerInDispatch'
  | 'closesOpenWork'
  | 'escalatesUnavailableAgency'
  | 'compensatesSteps'
  | 'deadlineOr'
  | 'keepsTimeLimits'
  | 'asksRegistryServices'
> & {
  readonly visibility: VisibilityFeatures;
} {
  // A case started from now on records one marker for all the changes below, where it recorded
  // one per change: each marker is a history event and an upsert of Temporal's change-version
  // search attribute, so fourteen of each (and their visibility writes) began every case
  // (bench/RESULTS.md). Cases started before replay with the markers their history holds: for
  // them this one is absent and each change is asked on its own, as they were.
  //
  // Every marker is asked here, before the case's first await. A marker asked later, where a case
  // first needs it, may be recorded in another workflow task than the one a replay asks it in: a
  // local activity that finishes while its activation is still being handled makes the worker
  // complete the task and start a new one for its result, and the code after it runs (and records
  // the marker) there; a replay resolves the activity inside the first task, asks before the
  // marker is known, and fails on it (a CI run's standards test, 2026-12-02). So a later change is
  // a new marker here that stands for all before it, and the case still records one.
  const sinceOfficerDue = patched('case-features-2026-12-02');
  const since = sinceOfficerDue || patched('case-features-2026-12');
  const has = (change: string): boolean => since || patched(change);
  const local = has('local-events-and-selection') ? localActivities : remoteActivities;
  // Dispatching and reckoning deadlines locally too: the partner step then costs no remote activity,
  // only the Kafka leg and the Update. A task sent twice (a worker crash) has the same task id and
  // attempt; the case takes one answer and refuses the second as TASK.DUPLICATE_RESULT.
  const localDispatch = has('local-dispatch-and-deadlines') ? localActivities : remoteActivities;
  // Events are kept until the case next waits, calls out or ends, then published in one batch
  // (with a dispatch, in the same send as the task): a partner step costs one publish, not five.
  const batched = has('batched-domain-events');
  // A dispatch's event takes its place in the case's numbering, so the causation chain has no gap.
  const numbersDispatches = has('numbered-dispatches');
  // The partners holding the case's tasks are a search attribute, so a suspension finds their cases at once.
  const partnersHolding = has('partners-holding-search-attribute');
  // And the officer roles it waits for, so an officer's inbox is one query too.
  const awaitingRoles = has('awaiting-roles-search-attribute');
  // A step's first partner is chosen by the dispatch itself: one local activity (and one workflow
  // activation) fewer per partner step, the largest cost of a case in the worker (bench/RESULTS.md).
  const choosesPartnerInDispatch = has('partner-chosen-in-dispatch');
  // And its officer tasks in its memo, so the inbox lists them from that one query, asking no case.
  const officerTasksMemo = has('officer-tasks-memo');
  // The applicant may withdraw; a case that ends early revokes the partner tasks it still holds.
  const closesOpenWork = has('applicant-withdrawal');
  // An agency step nobody picks up in time escalates instead of waiting for ever.
  const escalatesUnavailableAgency = has('agency-unavailable-escalates');
  // A case that fails or is withdrawn undoes its completed steps that name a compensation.
  const compensatesSteps = has('step-compensation');
  // No officer, review or citizen wait is without a deadline: the service's default, else 10 working days.
  const hasDefaultDeadlines = has('default-deadlines');
  // Local activities one at a time: two in flight at once (a parallel group's partner dispatch
  // and its officer's due date) may finish in either order, but a replay resolves them together,
  // in the order they were scheduled, and the branches would go on in another order than they did.
  // The statutory clock is kept, and an escalation chain ends at its top with one breach record.
  const keepsTimeLimits = has('statutory-time-limits');
  // Look-ups go to the provider's registry service, asked by the case's own agency.
  const asksRegistryServices = has('registry-services');
  const inTurn = hasDefaultDeadlines ? oneAtATime() : <T>(call: () => Promise<T>) => call();
  const running = { localActivities: 0 };
  const [ownLocal, ownDispatch, publishing] = [local, localDispatch, localActivities].map((a) =>
    inTurnOf(a, inTurn, a === remoteActivities ? undefined : running),
  );
  const journal = new CaseJournal(caseId, {
    batched,
    numbersDispatches,
    recordOne: (event) => ownLocal!.recordDomainEvent(event),
    publish: (events) => publishing!.recordDomainEvents(events),
  });
  return {
    remote: remoteActivities,
    local: ownLocal!,
    localDispatch: ownDispatch!,
    localActivityRunning: () => running.localActivities > 0,
    journal,
    choosesPartnerInDispatch,
    closesOpenWork,
    escalatesUnavailableAgency,
    compensatesSteps,
    keepsTimeLimits,
    asksRegistryServices,
    deadlineOr: (own) => own ?? (hasDefaultDeadlines ? defaultDeadlineOf(definition) : undefined),
    visibility: {
      partnersHolding,
      awaitingRoles,
      officerTasksMemo,
      officerDueBy: sinceOfficerDue ? () => true : askedOnce(OFFICER_DUE_BY_CHANGE),
    },
  };
}

/**
 * A change whose marker is recorded where the case first needs it, not at its start: a case that
 * never reaches it records none. Asked once, so the answer holds for the rest of the case. Only
 * for cases that already hold such a marker (see `OFFICER_DUE_BY_CHANGE`); new changes are asked at the start.
 */
function askedOnce(change: string): () => boolean {
  let answer: boolean | undefined;
  return () => (answer ??= patched(change));
}

/** Runs calls one after another, each once the one before has settled. */
function oneAtATime(): <T>(call: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(call: () => Promise<T>): Promise<T> => {
    const run = tail.then(call);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** The activities, each call taking its turn, and counted in `running` (when given) until it settles. */
function inTurnOf(
  activities: LocalCaseActivities,
  inTurn: <T>(call: () => Promise<T>) => Promise<T>,
  running?: { localActivities: number },
): LocalCaseActivities {
  return Object.fromEntries(
    (Object.keys(LOCAL_ACTIVITY_NAMES) as Array<keyof LocalCaseActivities>).map((name) => [
      name,
      (...args: unknown[]) => {
        const call = inTurn(() => (activities[name] as (...a: unknown[]) => Promise<unknown>)(...args));
        if (!running) return call;
        // Counted from the call (while it waits its turn too) until it settles. The caller is given
        // the call itself: a wrapper would add promise steps to its path, and the order in which
        // branches resumed together issue their commands would change, which replay must match.
        running.localActivities += 1;
        const settled = () => {
          running.localActivities -= 1;
        };
        void call.then(settled, settled);
        return call;
      },
    ]),
  ) as unknown as LocalCaseActivities;
}
