import { effectiveMode } from '@govmesh/contracts/control-policy';
import type { ServiceDefinition, Step, TaskStep } from '@govmesh/contracts/service-definition';
import { log } from '@temporalio/workflow';

import { clone, workSteps } from './application-paths.js';
import type { CaseOutcome, CaseState, ServiceCaseInput, StepState } from './case-api.js';
import { caseActivities, type CaseContext } from './case-context.js';
import { pinnedContractsOf } from './case-contracts.js';
import { attemptKey, CaseWithdrawn, openWork, StepFailed, withdrawalOf } from './case-model.js';
import { CaseVisibility } from './case-visibility.js';
import { acceptMessages } from './case-messages.js';
import { startStatutoryClock } from './statutory-clock.js';
import { conditionHolds } from './step-condition.js';
import { runAgencyActivity } from './steps/agency-step.js';
import { compensateCompletedSteps } from './steps/compensation.js';
import { runCitizenInput } from './steps/citizen-input-step.js';
import { runLookup } from './steps/lookup-step.js';
import { awaitOfficer } from './steps/officer-step.js';
import { runPartnerTask } from './steps/partner-step.js';

/**
 * One citizen's case: interprets the service definition it was started with, step by step.
 * In-house work runs on the agency's own task queue or waits for an officer; partner work is
 * dispatched over Kafka and resumes when the bridge hands over a result the case accepts.
 */
export async function serviceCase(input: ServiceCaseInput): Promise<CaseOutcome> {
  const ctx = openCase(input);
  acceptMessages(ctx);
  try {
    const outcome = await runCase(ctx);
    await ctx.journal.close('ended');
    return outcome;
  } catch (err) {
    // Even a case that fails or is cancelled leaves its whole trail in the ledger.
    await ctx.journal.close('failed');
    throw err;
  }
}

/** The case's state, every step pending, and the activities its history says it uses. */
function openCase(input: ServiceCaseInput): CaseContext {
  const { caseId, definition, application } = input;
  const state: CaseState = {
    caseId,
    serviceId: definition.id,
    serviceVersion: definition.version,
    status: 'running',
    steps: {},
  };
  for (const step of workSteps(definition.steps)) {
    const mode = 'classification' in step ? effectiveMode(step) : 'in-house';
    state.steps[step.id] = { id: step.id, mode, status: 'pending' };
  }
  const { visibility: features, ...activities } = caseActivities(caseId, definition);
  const visibility = new CaseVisibility(state, features);
  activities.journal.refreshVisibility = () => visibility.sync();
  const contracts = pinnedContractsOf(input);
  const open = openWork();
  // Once the applicant withdraws, whatever the case waits for ends the wait.
  if (activities.closesOpenWork) activities.journal.interruption = () => withdrawalOf(open, '');
  return { caseId, definition, contracts, application: clone(application), state, open, ...activities };
}

/** The steps in order; the case ends completed, failed (with the step's code) or withdrawn. */
async function runCase(ctx: CaseContext): Promise<CaseOutcome> {
  const { caseId, definition, state, journal } = ctx;
  const statutory = definition.statutoryDeadline;
  const clock = statutory && ctx.keepsTimeLimits ? await startStatutoryClock(ctx, statutory) : undefined;
  if (statutory && !clock) state.deadline = (await ctx.localDispatch.computeDueDate({ deadline: statutory })).due;
  await journal.record('caseSubmitted', {
    serviceId: definition.id,
    serviceVersion: definition.version,
    ...(state.deadline ? { statutoryDeadline: state.deadline } : {}),
  });
  clock?.keep();
  try {
    for (const step of definition.steps) await runStep(ctx, step);
  } catch (err) {
    if (!(err instanceof CaseWithdrawn) && !(err instanceof StepFailed)) throw err;
    const s = state.steps[err.stepId];
    if (s) Object.assign(s, { status: 'failed', reason: err.message });
    if (ctx.closesOpenWork) await revokeOpenTasks(ctx, err.message);
    if (ctx.compensatesSteps) await compensateCompletedSteps(ctx);
    if (err instanceof CaseWithdrawn) {
      state.status = 'withdrawn';
      await journal.record('caseWithdrawn', { code: err.code, reason: err.message });
      return { caseId, status: 'withdrawn', reason: err.message };
    }
    state.status = 'failed';
    log.warn('case failed', { caseId, stepId: err.stepId, code: err.code });
    await journal.record('caseFailed', { code: err.code, reason: err.message });
    return { caseId, status: 'failed', reason: err.message };
  }
  state.status = 'completed';
  state.decision = state.decision ?? 'completed';
  await journal.record('caseCompleted', { decision: state.decision });
  return { caseId, status: 'completed', decision: state.decision };
}

/**
 * Every partner task the case still holds when it ends early (a parallel branch's, or the one the
 * applicant's withdrawal interrupted): the partner is told to stop and delete (`CASE.CLOSED`).
 */
async function revokeOpenTasks(ctx: CaseContext, reason: string): Promise<void> {
  const { caseId, journal, open } = ctx;
  for (const [taskId, a] of open.assignments) {
    if (!a.open || a.result) continue;
    a.open = false;
    open.revokedAttempts.add(attemptKey(taskId, a.partnerId, a.attempt));
    const task = { taskId, partnerId: a.partnerId, attempt: a.attempt };
    await journal.flushThen(() => ctx.remote.revokeTask({ caseId, ...task, code: 'CASE.CLOSED', reasons: [reason] }));
    await journal.record(
      'taskRevoked',
      { stepId: a.stepId, ...task, code: 'CASE.CLOSED', revokedBy: 'system', reason },
      a.stepId,
      a.attempt,
    );
  }
}

/** One step: skipped when its condition does not hold, its branches side by side, or its work. */
async function runStep(ctx: CaseContext, step: Step): Promise<void> {
  const { state, journal } = ctx;
  const s = state.steps[step.id];
  // Withdrawn between steps: the next one does not start.
  const withdrawn = ctx.closesOpenWork ? withdrawalOf(ctx.open, '') : undefined;
  if (withdrawn) throw withdrawn;
  if (
    step.when !== undefined &&
    !conditionHolds(step.when, { application: { ...ctx.application }, steps: state.steps })
  ) {
    if (s) {
      s.status = 'skipped';
      await journal.record('stepCompleted', { stepId: step.id, mode: s.mode, outcome: 'skipped' }, step.id);
    }
    return;
  }
  if ('parallel' in step) {
    await journal.inParallel(() => Promise.all(step.parallel.map((branch) => runStep(ctx, branch))));
    return;
  }
  s!.status = 'running';
  await journal.record('stepStarted', { stepId: step.id, mode: s!.mode }, step.id);
  s!.output = await doWork(ctx, step, s!);
  s!.status = 'completed';
  if (ctx.compensatesSteps && 'compensate' in step && step.compensate)
    ctx.open.compensations.push({ stepId: step.id, ...step.compensate });
  await journal.record('stepCompleted', { stepId: step.id, mode: s!.mode, outcome: 'completed' }, step.id);
}

/**
 * Routed by who does the work, not by mode: a forged in-house step with partners still goes
 * through the dispatch, which refuses it and records the refusal in the ledger.
 */
async function doWork(ctx: CaseContext, step: Exclude<Step, { parallel: unknown }>, s: StepState) {
  if ('citizenInput' in step) return await runCitizenInput(ctx, step, s);
  if ('lookup' in step) return await runLookup(ctx, step, s);
  const task: TaskStep = step;
  if (task.partners) return await runPartnerTask(ctx, task, task.partners, s);
  if (task.run) return await runAgencyActivity(ctx, task, task.run, s);
  if (task.officer) {
    const { role, deadline, escalateTo } = task.officer;
    return await awaitOfficer(ctx, task.id, s, role, 'officer', { deadline, escalateTo });
  }
  throw new StepFailed(task.id, 'DEFINITION.NO_EXECUTOR', `step ${task.id} has no run, officer or partners`);
}

export { pick } from './application-paths.js';
export type { ServiceDefinition };

// The worker bundles this module: the erasure of closed cases runs on the same task queue.
export { caseErasure } from './case-erasure.workflow.js';
