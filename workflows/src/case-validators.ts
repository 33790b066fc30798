import type { JsonSchema } from '@govmesh/contracts/json-schema';
import { describeSchemaErrors, schemaErrors } from '@govmesh/contracts/schema-validator';
import type { PinnedContracts } from '@govmesh/contracts/standards';
import { ApplicationFailure } from '@temporalio/workflow';

import { assign, clone } from './application-paths.js';
import type {
  CaseState,
  CaseWithdrawal,
  CitizenInput,
  OfficerDecision,
  OfficerTaskClaim,
  PartnerResult,
  PartnerTaskRevocation,
} from './case-api.js';
import { CASE_BUSY } from './case-api.js';
import { attemptKey, type OfficerTask, type OfficerTaskKind, type OpenWork } from './case-model.js';

/**
 * The Update validators: pure checks of a message against the work the case has open. A refusal
 * is an ApplicationFailure whose type is the code the bridge and the API pass on; nothing is
 * written to the case or its history.
 */

function refuse(type: string, message: string, reasons?: readonly string[]): never {
  throw ApplicationFailure.create({
    type,
    message,
    ...(reasons ? { details: [reasons] } : {}),
    nonRetryable: true,
  });
}

/** Refuses every Update while a local activity of the case has not returned to it (see `acceptMessages`). */
export function validateNotBusy(localActivityRunning: boolean): void {
  if (localActivityRunning)
    refuse(CASE_BUSY, 'the case is between steps (its last call has not returned to it): send the message again');
}

/** Refuses a result the case did not ask this partner for, a second result, or an invalid output. */
export function validateResult(open: OpenWork, { partnerId, result }: PartnerResult, contracts: PinnedContracts): void {
  // The bridge sends a refused result's reasons back to the partner: each refusal carries them.
  const refuseResult: (type: string, message: string, reasons?: readonly string[]) => never = (
    type,
    message,
    reasons = [message],
  ) => refuse(type, message, reasons);
  const task = `task ${result.taskId} attempt ${result.attempt}`;
  if (open.revokedAttempts.has(attemptKey(result.taskId, partnerId, result.attempt)))
    refuseResult('TASK.REVOKED', `${task} was taken back from ${partnerId} before this result arrived`);
  // Taken, and checked once the dispatch has said which partner it chose (the Update waits for it).
  if (open.dispatching.has(result.taskId)) return;
  const a = open.assignments.get(result.taskId);
  if (!a) refuseResult('TASK.UNKNOWN', `task ${result.taskId} is not part of this case`);
  if (a.partnerId !== partnerId || a.attempt !== result.attempt)
    refuseResult('TASK.NOT_ASSIGNED', `${task} is not assigned to ${partnerId}`);
  if (a.result) refuseResult('TASK.DUPLICATE_RESULT', `${task} already has a result`);
  if (!a.open) refuseResult('TASK.NOT_ASSIGNED', `${task} is no longer open`);
  if (result.outcome === 'completed') {
    // Against the revision the case started with, whatever has been published since.
    const contract = contracts.taskTypes[a.taskType];
    const errors = contract ? schemaErrors(contract.output, result.output ?? {}) : [];
    if (errors.length)
      refuseResult(
        'CONTRACT.INVALID_OUTPUT',
        `the output does not match ${a.taskType} revision ${contract!.revision}`,
        describeSchemaErrors(errors, 'output'),
      );
  }
}

/** Refuses taking back a task that is not open, or not with the partner named. */
export function validateRevocation(open: OpenWork, taskId: string, r: PartnerTaskRevocation): void {
  const a = open.assignments.get(taskId);
  if (!a || !a.open || a.result || a.revocation)
    refuse('CASE.NO_OPEN_PARTNER_TASK', `step ${r.stepId} has no partner task to revoke`);
  if (r.partnerId && a.partnerId !== r.partnerId)
    refuse('CASE.NOT_WITH_PARTNER', `step ${r.stepId} is with ${a.partnerId}, not ${r.partnerId}`);
}

const ALLOWED: Record<OfficerTaskKind, readonly string[]> = {
  officer: ['approve', 'reject', 'request-information'],
  fallback: ['approve', 'reject', 'request-information'],
  review: ['approve', 'reject', 'request-rework'],
};

/** The officer task a decision or claim is for, checked against the role and the version the officer saw. */
function officerTaskFor(
  open: OpenWork,
  m: { stepId: string; role: string; version?: number | undefined },
): OfficerTask {
  const task = open.officerTasks.get(m.stepId);
  if (!task || task.decision) refuse('CASE.NOT_AWAITING_DECISION', `step ${m.stepId} is not waiting for an officer`);
  if (task.role !== m.role)
    refuse('CASE.WRONG_ROLE', `step ${m.stepId} must be decided by a ${task.role}, not a ${m.role}`);
  if (m.version !== undefined && m.version !== task.version)
    refuse(
      'CASE.TASK_CHANGED',
      `step ${m.stepId}'s task has changed since you opened it (version ${m.version}, now ${task.version}): open it again`,
    );
  return task;
}

/** Refuses a claim on a task another officer holds, and a release by anyone but its holder. */
export function validateClaim(open: OpenWork, c: OfficerTaskClaim): void {
  const task = officerTaskFor(open, c);
  if (c.action === 'claim' && task.claimedBy && task.claimedBy !== c.officerId)
    refuse('CASE.TASK_CLAIMED', `step ${c.stepId}'s task is claimed by ${task.claimedBy}`);
  if (c.action === 'release' && task.claimedBy !== c.officerId)
    refuse('CASE.NOT_YOUR_CLAIM', `step ${c.stepId}'s task is not claimed by you, so you cannot release it`);
}

/**
 * Refuses a decision nobody asked for, from the wrong role, from a screen older than the task, on
 * a task another officer has claimed, or of a kind the task does not allow; and an officer's
 * in-house work (a fallback approved) whose output the task type's contract refuses, as a
 * partner's would be: the next steps read it.
 */
export function validateDecision(open: OpenWork, d: OfficerDecision, contracts: PinnedContracts): void {
  const task = officerTaskFor(open, d);
  if (task.claimedBy && task.claimedBy !== d.officerId)
    refuse('CASE.TASK_CLAIMED', `step ${d.stepId}'s task is claimed by ${task.claimedBy}: only they may decide it`);
  if (!ALLOWED[task.kind].includes(d.decision))
    refuse('CASE.DECISION_NOT_ALLOWED', `a ${task.kind} decision is one of ${ALLOWED[task.kind].join(', ')}`);
  const contract = task.taskType ? contracts.taskTypes[task.taskType] : undefined;
  if (task.kind === 'fallback' && d.decision === 'approve' && contract) {
    const errors = schemaErrors(contract.output, d.output ?? {});
    if (errors.length) {
      const reasons = describeSchemaErrors(errors, 'output');
      refuse(
        'CONTRACT.INVALID_OUTPUT',
        `the output does not match ${task.taskType} revision ${contract.revision}: ${reasons.join('; ')}`,
        reasons,
      );
    }
  }
}

/** Refuses input nobody asked for, input missing a field asked for, or values the application schema refuses. */
export function validateCitizenInput(
  open: OpenWork,
  form: JsonSchema,
  application: Record<string, unknown>,
  c: CitizenInput,
): void {
  const request = open.citizenRequests.get(c.stepId);
  if (!request || request.provided)
    refuse('CASE.NOT_AWAITING_INPUT', `step ${c.stepId} is not waiting for citizen input`);
  const missing = request.fields.filter((f) => !(f in c.values));
  if (missing.length) refuse('CASE.INPUT_INCOMPLETE', `missing ${missing.join(', ')}`);
  const problems = invalidInput(form, application, c.values);
  if (problems.length) refuse('CASE.INPUT_INVALID', problems.join('; '), problems);
}

/** Problems with a citizen's values, checked against the service's application schema. */
function invalidInput(
  form: JsonSchema,
  application: Record<string, unknown>,
  values: Record<string, unknown>,
): string[] {
  const merged = clone(application);
  for (const [path, value] of Object.entries(values)) assign(merged, path, value);
  const paths = Object.keys(values);
  return schemaErrors(form, merged)
    .filter((e) => paths.some((p) => e.path === p || e.path.startsWith(`${p}.`)))
    .map((e) => `${e.path}: ${e.message}`);
}

/** Refuses a withdrawal of a case that has ended or is already being withdrawn. */
export function validateWithdrawal(state: CaseState, open: OpenWork, w: CaseWithdrawal, supported: boolean): void {
  if (!supported)
    refuse('CASE.WITHDRAWAL_UNSUPPORTED', 'this case started before applications could be withdrawn: ask the agency');
  if (state.status !== 'running')
    refuse('CASE.NOT_RUNNING', `the case has ended (${state.status}): there is nothing to withdraw`);
  if (open.withdrawal) refuse('CASE.WITHDRAWING', 'the case is being withdrawn already');
  if (!w.reason.trim()) refuse('CASE.WITHDRAWAL_REASON', 'say why the application is withdrawn');
}
