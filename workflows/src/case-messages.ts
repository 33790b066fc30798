import { taskIdOf } from '@govmesh/contracts/case-ids';
import { condition, setHandler } from '@temporalio/workflow';

import {
  caseStateQuery,
  claimOfficerTask,
  decideOfficerTask,
  provideCitizenInput,
  revokePartnerTask,
  submitTaskResult,
  withdrawCase,
  type CaseWithdrawal,
  type CitizenInput,
  type OfficerDecision,
  type OfficerTaskClaim,
  type PartnerResult,
  type PartnerTaskRevocation,
} from './case-api.js';
import type { CaseContext } from './case-context.js';
import {
  validateCitizenInput,
  validateClaim,
  validateDecision,
  validateResult,
  validateRevocation,
  validateWithdrawal,
} from './case-validators.js';

/** The query and the Updates: each validated against the open work before it changes anything. */
export function acceptMessages({
  caseId,
  contracts,
  application,
  state,
  open,
  closesOpenWork,
  journal,
}: CaseContext): void {
  setHandler(caseStateQuery, () => state);
  setHandler(
    submitTaskResult,
    async (answer: PartnerResult) => {
      const { result, outputDigest } = answer;
      if (open.dispatching.has(result.taskId)) {
        // A partner quicker than its own dispatch: checked now that the case knows whom it chose.
        await condition(() => !open.dispatching.has(result.taskId));
        validateResult(open, answer, contracts);
      }
      const assignment = open.assignments.get(result.taskId)!;
      assignment.result = result;
      if (outputDigest) assignment.outputDigest = outputDigest;
      return 'accepted' as const;
    },
    { validator: (r: PartnerResult) => validateResult(open, r, contracts) },
  );
  setHandler(
    revokePartnerTask,
    (r) => {
      open.assignments.get(taskIdOf(caseId, r.stepId))!.revocation = r;
      return 'revoked' as const;
    },
    { validator: (r: PartnerTaskRevocation) => validateRevocation(open, taskIdOf(caseId, r.stepId), r) },
  );
  setHandler(
    decideOfficerTask,
    (d) => {
      open.officerTasks.get(d.stepId)!.decision = d;
      return 'accepted' as const;
    },
    { validator: (d: OfficerDecision) => validateDecision(open, d, contracts) },
  );
  setHandler(
    claimOfficerTask,
    (c) => {
      const task = open.officerTasks.get(c.stepId)!;
      // Claiming again what one holds changes nothing.
      if (c.action === 'claim' && task.claimedBy === c.officerId)
        return { version: task.version, claimedBy: c.officerId };
      task.version += 1;
      if (c.action === 'claim') task.claimedBy = c.officerId;
      else delete task.claimedBy;
      const step = state.steps[c.stepId]!;
      step.taskVersion = task.version;
      if (task.claimedBy) step.claimedBy = task.claimedBy;
      else delete step.claimedBy;
      // The inbox shows who holds the task (the memo), without waiting for the case to move on.
      journal.refreshVisibility();
      return { version: task.version, claimedBy: task.claimedBy ?? null };
    },
    { validator: (c: OfficerTaskClaim) => validateClaim(open, c) },
  );
  setHandler(
    provideCitizenInput,
    (c) => {
      open.citizenRequests.get(c.stepId)!.provided = c.values;
      return 'accepted' as const;
    },
    { validator: (c: CitizenInput) => validateCitizenInput(open, contracts.application.schema, application, c) },
  );
  setHandler(
    withdrawCase,
    (w) => {
      open.withdrawal = { withdrawnBy: w.withdrawnBy, reason: w.reason };
      return 'withdrawn' as const;
    },
    { validator: (w: CaseWithdrawal) => validateWithdrawal(state, open, w, closesOpenWork) },
  );
}
