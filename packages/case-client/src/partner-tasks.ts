import type { PartnerTaskRevocation } from '@govmesh/workflows/case-api';

import type { CaseClient } from './case-client.js';
import { CaseFailure } from './case-failure.js';

/** A partner task still with its partner, as its case says. */
export interface HeldTask {
  readonly caseId: string;
  readonly stepId: string;
  readonly taskId: string;
  readonly attempt: number;
}

export interface TakeBackOutcome {
  /** Tasks taken back; each case moves its task to the next eligible partner. */
  readonly moved: readonly string[];
  /** Tasks that ended on their own (result, deadline, case closed) before the revocation reached them. */
  readonly alreadySettled: readonly string[];
}

/**
 * The tasks a partner holds now: the cases visibility names (one query), each asked for its own
 * state, which is the truth (a case may have settled the task since).
 */
export async function heldTasks(cases: CaseClient, partnerId: string): Promise<HeldTask[]> {
  const held: HeldTask[] = [];
  for (const caseId of await cases.casesHoldingPartnerTasks(partnerId)) {
    const state = await cases.state(caseId);
    for (const step of Object.values(state?.steps ?? {}))
      if (step.status === 'awaiting-partner' && step.partnerId === partnerId && step.taskId && step.attempt)
        held.push({ caseId, stepId: step.id, taskId: step.taskId, attempt: step.attempt });
  }
  return held;
}

/**
 * Takes every task a partner holds back (a suspension or termination): each case records the
 * revocation and moves its task on. The partner must already be out of selection, so that no
 * case hands the task straight back to it.
 */
export async function takeBackPartnerTasks(
  cases: CaseClient,
  partnerId: string,
  reason: string,
  code: NonNullable<PartnerTaskRevocation['code']> = 'PARTNER.SUSPENDED',
): Promise<TakeBackOutcome> {
  const moved: string[] = [];
  const alreadySettled: string[] = [];
  for (const task of await heldTasks(cases, partnerId)) {
    try {
      await cases.revoke(task.caseId, { stepId: task.stepId, revokedBy: 'system', reason, code, partnerId });
      moved.push(task.taskId);
    } catch (err) {
      if (err instanceof CaseFailure && !err.retriable) alreadySettled.push(task.taskId);
      else throw err;
    }
  }
  return { moved, alreadySettled };
}
