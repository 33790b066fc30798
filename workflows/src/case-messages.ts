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
  validateNotBusy,
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
  localActivityRunning,
}: CaseContext): void {
  // Every Update is refused (CASE_BUSY, sent again by its client) while a local activity has not
  // returned to the case. Temporal's worker records a local activity's result in the workflow task
  // it finishes in, but can hand the result to the case only in the next one, when that task also
  // answered a query. An Update in that next task is handed over first, so
  // its acceptance comes before the commands the result leads to; a replay hands the result over
  // in the first task and meets those commands before the acceptance: every later workflow task
  // of the case failed ("… does not handle HistoryEvent(… WorkflowExecutionUpdateAccepted)", a CI
  // run on 2026-12-04; forced-task-replay.test.ts). A refusal leaves no trace in the history.
  const unlessBusy =
    <M>(validate: (message: M) => void) =>
    (message: M): void => {
      validateNotBusy(localActivityRunning());
      validate(message);
    };
  setHandler(caseStateQuery, () => state);
  setHandler(
    submitTaskResult,
    async (answer: PartnerResult) => {
      const { result, outputDigest } = answer;
      if (open.dispatching.has(result.taskId)) {
        // A partner quicker than its own dispatch: checked now that the case knows whom it chose.
        // Such an answer is refused as busy since 2026-12-04; this wait replays the cases that took one.
        await condition(() => !open.dispatching.has(result.taskId));
        validateResult(open, answer, contracts);
      }
      const assignment = open.assignments.get(result.taskId)!;
      assignment.result = result;
      if (outputDigest) assignment.outputDigest = outputDigest;
      return 'accepted' as const;
    },
    { validator: unlessBusy((r: PartnerResult) => validateResult(open, r, contracts)) },
  );
  setHandler(
    revokePartnerTask,
    (r) => {
      open.assignments.get(taskIdOf(caseId, r.stepId))!.revocation = r;
      return 'revoked' as const;
    },
    { validator: unlessBusy((r: PartnerTaskRevocation) => validateRevocation(open, taskIdOf(caseId, r.stepId), r)) },
  );
  setHandler(
    decideOfficerTask,
    (d) => {
      open.officerTasks.get(d.stepId)!.decision = d;
      return 'accepted' as const;
    },
    { validator: unlessBusy((d: OfficerDecision) => validateDecision(open, d, contracts)) },
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
    { validator: unlessBusy((c: OfficerTaskClaim) => validateClaim(open, c)) },
  );
  setHandler(
    provideCitizenInput,
    (c) => {
      open.citizenRequests.get(c.stepId)!.provided = c.values;
      return 'accepted' as const;
    },
    {
      validator: unlessBusy((c: CitizenInput) =>
        validateCitizenInput(open, contracts.application.schema, application, c),
      ),
    },
  );
  setHandler(
    withdrawCase,
    (w) => {
      open.withdrawal = { withdrawnBy: w.withdrawnBy, reason: w.reason };
      return 'withdrawn' as const;
    },
    { validator: unlessBusy((w: CaseWithdrawal) => validateWithdrawal(state, open, w, closesOpenWork)) },
  );
}
