import type { Deadline } from '@govmesh/contracts/service-definition';
import type { TaskResultData } from '@govmesh/contracts/task-messages';

import type { OfficerDecision, PartnerTaskRevocation } from './case-api.js';

/**
 * What a running case holds beyond its public state (case-api.ts): the work it is waiting for.
 * The Update handlers write here and the step runners wait on it; both import this module, and
 * it imports only types, so the split has no import circle.
 */

/** A partner task as the case knows it; the source of truth for which result may be accepted. */
export interface Assignment {
  readonly stepId: string;
  readonly taskType: string;
  partnerId: string;
  attempt: number;
  open: boolean;
  result?: TaskResultData;
  outputDigest?: string;
  revocation?: PartnerTaskRevocation;
}

export type OfficerTaskKind = 'officer' | 'review' | 'fallback';

export interface OfficerTask {
  role: string;
  readonly kind: OfficerTaskKind;
  /** Moves on each claim, release and escalation (mirrored in the step's `taskVersion`). */
  version: number;
  claimedBy?: string;
  decision?: OfficerDecision;
  /** The roles it climbs when overdue, in order (cases started after `statutory-time-limits`). */
  path?: readonly string[];
  /** A fallback's: the task type whose work the officer does in-house, whose output they record. */
  readonly taskType?: string;
}

export interface OfficerTiming {
  readonly deadline?: Deadline | undefined;
  readonly escalateTo?: string | undefined;
  readonly reviewOf?: { taskId: string; partnerId: string; attempt: number; resultDigest?: string };
  /** A fallback's task type: the officer's output is checked against its contract, as a partner's is. */
  readonly taskType?: string | undefined;
}

export interface CitizenRequest {
  readonly fields: readonly string[];
  provided?: Record<string, unknown>;
}

/** The work a case waits for, by task id (partners) or step id (officers, citizens). */
export interface OpenWork {
  readonly assignments: Map<string, Assignment>;
  readonly officerTasks: Map<string, OfficerTask>;
  readonly citizenRequests: Map<string, CitizenRequest>;
  /**
   * Tasks being sent while the dispatch chooses their partner: an answer can reach the case before
   * the dispatch returns (Temporal hands a case its Updates before its activities' results).
   */
  readonly dispatching: Set<string>;
  /** Every attempt taken back from a partner: a late answer to one is TASK.REVOKED. */
  readonly revokedAttempts: Set<string>;
  /** The completed steps that name a compensation, in order of completion (undone in reverse). */
  readonly compensations: Array<{ readonly stepId: string; readonly agency: string; readonly activity: string }>;
  /** Set when the applicant withdraws: every wait of the case ends with CaseWithdrawn. */
  withdrawal?: { readonly withdrawnBy: string; readonly reason: string };
}

export function openWork(): OpenWork {
  return {
    assignments: new Map(),
    officerTasks: new Map(),
    citizenRequests: new Map(),
    dispatching: new Set(),
    revokedAttempts: new Set(),
    compensations: [],
  };
}

/** The code a case withdrawn by its applicant ends with (and its partners' tasks are revoked with CASE.CLOSED). */
export const WITHDRAWN_BY_APPLICANT = 'CASE.WITHDRAWN_BY_APPLICANT';

/** The withdrawal as the error every wait of the case ends with, once the applicant has withdrawn. */
export function withdrawalOf(open: OpenWork, stepId: string): CaseWithdrawn | undefined {
  return open.withdrawal ? new CaseWithdrawn(stepId, WITHDRAWN_BY_APPLICANT, open.withdrawal.reason) : undefined;
}

/** The key of one attempt of one task with one partner, in `revokedAttempts`. */
export function attemptKey(taskId: string, partnerId: string, attempt: number): string {
  return `${taskId}#${partnerId}#${attempt}`;
}

/** A step could not be done: the case fails with this code. */
export class StepFailed extends Error {
  constructor(
    readonly stepId: string,
    readonly code: string,
    reason: string,
  ) {
    super(reason);
  }
}

/** The applicant never answered and the definition says to withdraw the case. */
export class CaseWithdrawn extends Error {
  constructor(
    readonly stepId: string,
    readonly code: string,
    reason: string,
  ) {
    super(reason);
  }
}
