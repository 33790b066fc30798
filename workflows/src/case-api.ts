import type { ExecutionMode, ServiceDefinition } from '@govmesh/contracts/service-definition';
import type { PinnedContracts } from '@govmesh/contracts/standards';
import type { TaskResultData } from '@govmesh/contracts/task-messages';
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';

/**
 * The partners that hold a task of the case right now, as a Temporal search attribute: a
 * suspension finds the cases to take work back from in one visibility query, not by asking every
 * running case. Each namespace needs it registered (the worker does so at start).
 */
export const PARTNERS_HOLDING_TASKS = defineSearchAttributeKey(
  'GovmeshPartnersHolding',
  SearchAttributeType.KEYWORD_LIST,
);

/** The officer roles the case waits for now (a decision or a review): the inbox is one query. */
export const AWAITING_ROLES = defineSearchAttributeKey('GovmeshAwaitingRoles', SearchAttributeType.KEYWORD_LIST);

/**
 * The earliest deadline of the decisions and reviews the case waits on now, as a Temporal search
 * attribute (absent when it waits on none): an inbox page lists the overdue cases first from one
 * visibility query, since Temporal's SQL visibility lists in no order but its own.
 */
export const OFFICER_DUE_BY = defineSearchAttributeKey('GovmeshOfficerDueBy', SearchAttributeType.DATETIME);

/**
 * Which of these attributes the case keeps, set at its first wait: 1, partners holding and
 * awaiting roles; 2, also its officer tasks in its memo (OFFICER_TASKS_MEMO). A running case
 * without it started before, and is asked directly instead.
 */
export const VISIBILITY_VERSION = defineSearchAttributeKey('GovmeshVisibility', SearchAttributeType.INT);
/** The VISIBILITY_VERSION from which a case keeps its officer tasks in its memo. */
export const OFFICER_TASKS_IN_MEMO = 2;

/**
 * The memo field in which a case keeps the officer tasks it waits on (VISIBILITY_VERSION 2): an
 * inbox lists them from one visibility query, without asking each case. Sealed like every payload.
 */
export const OFFICER_TASKS_MEMO = 'govmeshOfficerTasks';

/** One decision or review a case waits on, as its memo shows it. */
export interface OfficerTaskEntry {
  readonly stepId: string;
  readonly kind: 'officer' | 'review';
  readonly role: string;
  /** RFC 3339, or null when the step has none. */
  readonly deadline: string | null;
  /** For a review: the partner's output the officer reviews. */
  readonly output?: Record<string, unknown>;
  /** The task's version: it moves on each claim, release and escalation. */
  readonly version?: number;
  /** The officer working on it, if one has claimed it. */
  readonly claimedBy?: string;
}

/** Every search attribute the case workflow keeps, for registration in a namespace. */
export const CASE_SEARCH_ATTRIBUTES = [
  PARTNERS_HOLDING_TASKS,
  AWAITING_ROLES,
  VISIBILITY_VERSION,
  OFFICER_DUE_BY,
] as const;

/** What starts a case: the definition snapshot (so the case finishes on its version) and the application. */
export interface ServiceCaseInput {
  readonly caseId: string;
  readonly definition: ServiceDefinition;
  readonly application: Record<string, unknown>;
  /**
   * The exact contract revisions the service version was published with (and each major's
   * deprecation at the start): the case validates against these for ever. Absent for cases started
   * before contracts were data; those keep the seed catalogue.
   */
  readonly contracts?: PinnedContracts;
}

export type StepStatus =
  | 'pending'
  | 'skipped'
  | 'running'
  | 'awaiting-partner'
  | 'awaiting-review'
  | 'awaiting-officer'
  | 'awaiting-citizen'
  | 'completed'
  | 'failed';

export interface StepState {
  readonly id: string;
  mode: ExecutionMode;
  status: StepStatus;
  /** The role that must decide, while the step waits for an officer. */
  role?: string;
  partnerId?: string;
  taskId?: string;
  attempt?: number;
  deadline?: string;
  output?: Record<string, unknown>;
  /** Why the step failed, for the officer and the API. */
  reason?: string;
  /** Set when an officer task passed its deadline and went to a supervisor role. */
  escalatedFrom?: string;
  /** Set when the task passed its deadline at the top of its escalation path: it waits there, overdue. */
  overdue?: boolean;
  /** Set once the step was undone because the case failed or was withdrawn (its `compensate` activity). */
  compensation?: 'done' | 'failed';
  /** Set when the agency whose system does the step did not pick it up in time (an officer took over). */
  agencyDelayed?: string;
  /**
   * The version of the step's officer task: it moves on each claim, release and escalation, and
   * with each new task of the step, never back, so a screen opened at an older one cannot act.
   */
  taskVersion?: number;
  /** The officer who claimed the step's waiting task. */
  claimedBy?: string;
  /** A review sent back for rework: what the partner delivered before, and why it went back. */
  previousAttempt?: PreviousAttempt;
}

/** The output a reviewing officer sent back, kept so the next review can compare. */
export interface PreviousAttempt {
  readonly attempt: number;
  readonly output: Record<string, unknown>;
  readonly reasons: readonly string[];
}

export interface CaseState {
  readonly caseId: string;
  readonly serviceId: string;
  readonly serviceVersion: number;
  status: 'running' | 'completed' | 'failed' | 'withdrawn';
  decision?: 'approved' | 'rejected' | 'completed';
  /**
   * RFC 3339: when the whole case is due by law, if the service states a statutory deadline. It
   * moves on by the time the case waited on the applicant.
   */
  deadline?: string;
  /** Set while the statutory clock stands still: the case waits on the applicant. */
  deadlinePaused?: boolean;
  /** Set once the case is past its statutory deadline. */
  deadlineBreached?: boolean;
  steps: Record<string, StepState>;
}

export type CaseOutcome = Pick<CaseState, 'caseId' | 'status' | 'decision'> & { reason?: string };

/** A partner's result, as the bridge hands it over; the partner is the topic it came on. */
export interface PartnerResult {
  readonly partnerId: string;
  readonly result: TaskResultData;
  /** SHA-256 of the canonical JSON of the output, computed where the message arrived. */
  readonly outputDigest?: string;
}

export type OfficerDecisionKind = 'approve' | 'reject' | 'request-information' | 'request-rework';

export interface OfficerDecision {
  readonly stepId: string;
  readonly officerId: string;
  /** The role the officer acts in; must be the one the step requires. */
  readonly role: string;
  readonly decision: OfficerDecisionKind;
  /** What the officer records as the step's output. */
  readonly output?: Record<string, unknown>;
  /** Why: sent to the partner with a rework request, and digested into the ledger. */
  readonly reasons?: readonly string[];
  /** The task's version the officer's screen showed; a decision from an older one is refused. */
  readonly version?: number;
}

/** An officer takes an officer task to work on (or gives it back): nobody else may decide it meanwhile. */
export interface OfficerTaskClaim {
  readonly stepId: string;
  readonly officerId: string;
  /** The role the officer acts in; must be the one the task waits for. */
  readonly role: string;
  readonly action: 'claim' | 'release';
  /** The task's version the officer's screen showed; a claim from an older one is refused. */
  readonly version?: number;
}

/** Who holds an officer task now, and its version after the claim or release. */
export interface OfficerTaskHold {
  readonly version: number;
  readonly claimedBy: string | null;
}

/** Takes an open partner task back from its partner; the case moves it to the next eligible one. */
export interface PartnerTaskRevocation {
  readonly stepId: string;
  /** The officer's id, or `system` for a suspension. */
  readonly revokedBy: string;
  readonly reason: string;
  readonly code?: 'TASK.REVOKED' | 'PARTNER.SUSPENDED';
  /** Only if the task is still with this partner (a suspension must not hit the next one). */
  readonly partnerId?: string;
}

export interface CitizenInput {
  readonly stepId: string;
  /** Values by dotted application path, e.g. `{ "income.monthlyNet": 1830 }`. */
  readonly values: Record<string, unknown>;
}

/**
 * The refusal of any Update that reaches a case while one of its local activities has not returned
 * to it: nothing is wrong with the message, and the same message sent again a moment later is
 * taken (`@govmesh/case-client` does so itself, within its deadline).
 */
export const CASE_BUSY = 'CASE.BUSY';

/** The bridge resumes a case with a partner's result; the validator refuses anything not assigned. */
export const submitTaskResult = defineUpdate<'accepted', [PartnerResult]>('submitTaskResult');
/** An officer decides an officer step or reviews a controlled step's output. */
export const decideOfficerTask = defineUpdate<'accepted', [OfficerDecision]>('decideOfficerTask');
/**
 * An officer claims an officer task (or releases it): a claim carries the task's version, so two
 * officers cannot both work on it, and a screen opened before a claim or escalation cannot act.
 */
export const claimOfficerTask = defineUpdate<OfficerTaskHold, [OfficerTaskClaim]>('claimOfficerTask');
/** The citizen supplies what a citizen-input step (or an officer) asked for. */
export const provideCitizenInput = defineUpdate<'accepted', [CitizenInput]>('provideCitizenInput');
/** The applicant withdraws the application while the case runs. */
export interface CaseWithdrawal {
  /** The citizen's subject (or the officer who took the withdrawal down). */
  readonly withdrawnBy: string;
  readonly reason: string;
}

/**
 * The applicant withdraws the case: it stops before its next step or wait, every partner task it
 * holds is revoked (`CASE.CLOSED`), and it ends `withdrawn`.
 */
export const withdrawCase = defineUpdate<'withdrawn', [CaseWithdrawal]>('withdrawCase');
/** An officer (or a suspension) takes a partner task back, with a reason. */
export const revokePartnerTask = defineUpdate<'revoked', [PartnerTaskRevocation]>('revokePartnerTask');
/** The whole state of a case, for the API and the officer's work list. */
export const caseStateQuery = defineQuery<CaseState>('caseState');

/** The decisions and reviews the case waits on now, in step order of its state. */
export function officerTasks(state: CaseState): OfficerTaskEntry[] {
  const tasks: OfficerTaskEntry[] = [];
  for (const step of Object.values(state.steps)) {
    if ((step.status !== 'awaiting-officer' && step.status !== 'awaiting-review') || !step.role) continue;
    const review = step.status === 'awaiting-review';
    tasks.push({
      stepId: step.id,
      kind: review ? 'review' : 'officer',
      role: step.role,
      deadline: step.deadline ?? null,
      ...(review && step.output ? { output: step.output } : {}),
      ...(step.taskVersion !== undefined ? { version: step.taskVersion } : {}),
      ...(step.claimedBy ? { claimedBy: step.claimedBy } : {}),
    });
  }
  return tasks;
}

/** The earliest of the tasks' deadlines (RFC 3339, as the case holds it), or undefined when none has one. */
export function earliestDeadline(tasks: readonly OfficerTaskEntry[]): string | undefined {
  let earliest: { at: number; text: string } | undefined;
  for (const task of tasks) {
    if (task.deadline === null) continue;
    const at = Date.parse(task.deadline);
    if (!earliest || at < earliest.at) earliest = { at, text: task.deadline };
  }
  return earliest?.text;
}
