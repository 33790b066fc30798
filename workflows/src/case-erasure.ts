/**
 * Erasing a closed case's personal data: the types the API, the worker and the erasure workflow
 * share. The workflow (case-erasure.workflow.ts) is the one place the steps are ordered.
 */

/** Why a case is erased: its service's time for closed cases ran out, or an approved request. */
export type ErasureReason = 'retention' | 'request';

/** One attempt of one partner task: the partner received the case's shared fields. */
export interface ErasedPartnerTask {
  readonly partnerId: string;
  readonly taskId: string;
  readonly attempt: number;
}

/** What the API asks for; the case must have closed. */
export interface ErasureOrder {
  readonly caseId: string;
  readonly reason: ErasureReason;
  /** The approved erasure request, for `request`. */
  readonly requestId?: string;
  /** Every task the case dispatched (from the ledger's `task.dispatched` records). */
  readonly partnerTasks: readonly ErasedPartnerTask[];
}

export interface ErasureReport {
  readonly caseId: string;
  /** The partners told to delete, each once. */
  readonly partnersTold: readonly string[];
  /** False when Temporal no longer held the case's history (its namespace retention had passed). */
  readonly historyDeleted: boolean;
}

/** The activities the erasure workflow calls (the worker implements them). */
export interface ErasureActivities {
  /**
   * Refuses (non-retryable `ERASURE.CASE_RUNNING`) while the case runs: erasure never cuts a case
   * short. Answers whether Temporal still holds its history.
   */
  checkCaseClosed(request: { caseId: string }): Promise<{ historyHeld: boolean }>;
  /** Publishes `task.revoked` with code `CASE.ERASED` for each task to its partner's task topic. */
  tellPartnersToDelete(request: ErasureOrder): Promise<void>;
  /** Deletes the case's workflow history from Temporal (every run); done when there is none. */
  deleteCaseHistory(request: { caseId: string }): Promise<void>;
  /** Records `case.erased` in the ledger. */
  recordErasure(request: ErasureOrder & { partnersTold: readonly string[] }): Promise<void>;
}
