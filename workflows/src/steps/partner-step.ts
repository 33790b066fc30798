import { taskIdOf } from '@govmesh/contracts/case-ids';
import { closedCaseRetentionDays } from '@govmesh/contracts/service-rules';
import type { TaskStep } from '@govmesh/contracts/service-definition';
import type { Deprecation } from '@govmesh/contracts/standards';
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

import { pick } from '../application-paths.js';
import type { StepState } from '../case-api.js';
import type { ChosenPartnerDispatch, DispatchReceipt } from '../case-activities.js';
import type { CaseContext } from '../case-context.js';
import { attemptKey, StepFailed, type Assignment } from '../case-model.js';
import { awaitOfficer, awaitOfficerDecision } from './officer-step.js';

interface Rework {
  previousAttempt: number;
  reasons: string[];
}

/**
 * Partner work: choose a partner, send the task, wait for its result until the deadline. A
 * result that fails, a task taken back or a deadline passed goes to the next partner, up to
 * `maxReassignments`; a controlled step's result waits for an officer's review, who may send it
 * back for rework. When no partner delivers, the step falls back in-house or fails.
 */
export async function runPartnerTask(
  ctx: CaseContext,
  step: TaskStep,
  selection: NonNullable<TaskStep['partners']>,
  s: StepState,
): Promise<Record<string, unknown>> {
  const { caseId, journal, open } = ctx;
  const taskId = taskIdOf(caseId, step.id);
  const select = (exclude: readonly string[]) =>
    ctx.local.selectPartner({
      taskType: step.task!,
      strategy: selection.select,
      exclude: [...exclude],
      ...(selection.only ? { only: selection.only } : {}),
    });
  const tried: string[] = [];
  let attempt = 0;
  let reworks = 0;
  let rework: Rework | undefined;
  let partnerId: string | null = null;
  while (tried.length <= selection.maxReassignments) {
    let receipt: DispatchReceipt | undefined;
    if (partnerId === null && ctx.choosesPartnerInDispatch) {
      // The first partner: chosen by the dispatch, in the same local activity.
      // Until the assignment below is made, an answer waits for it rather than being refused.
      open.dispatching.add(taskId);
      const chosen = await dispatch(ctx, step, s, taskId, { exclude: tried, selection }, attempt + 1, rework).catch(
        (err: unknown) => {
          open.dispatching.delete(taskId);
          throw err;
        },
      );
      if (chosen.partnerId === null) {
        open.dispatching.delete(taskId);
        break;
      }
      partnerId = chosen.partnerId;
      receipt = chosen;
    }
    partnerId = partnerId ?? (await select(tried));
    if (!partnerId) break;
    attempt += 1;
    const assignment: Assignment = { stepId: step.id, taskType: step.task!, partnerId, attempt, open: true };
    open.assignments.set(taskId, assignment);
    open.dispatching.delete(taskId);
    Object.assign(s, { status: 'awaiting-partner', partnerId, taskId, attempt });
    receipt ??= await dispatch(ctx, step, s, taskId, partnerId, attempt, rework);
    rework = undefined;
    s.deadline = receipt.deadline;
    const settled = await journal.waitUntil(
      () => assignment.result !== undefined || assignment.revocation !== undefined,
      receipt.deadlineInMs,
    );
    assignment.open = false;
    let why: string;
    if (!assignment.result) {
      open.revokedAttempts.add(attemptKey(taskId, partnerId, attempt));
      why = await takeBack(
        ctx,
        step,
        { taskId, partnerId, attempt },
        settled ? assignment.revocation : undefined,
        receipt,
      );
    } else {
      const { result, outputDigest } = assignment;
      await journal.record(
        'resultAccepted',
        {
          stepId: step.id,
          taskId,
          partnerId,
          attempt,
          outcome: result.outcome,
          ...(outputDigest ? { outputDigest } : {}),
        },
        step.id,
        attempt,
      );
      why = 'the partner could not do the task';
      if (result.outcome === 'completed') {
        if (s.mode !== 'controlled') return result.output;
        s.output = result.output;
        const review = await awaitOfficerDecision(ctx, step.id, s, step.review!.role, 'review', {
          deadline: step.review!.deadline,
          escalateTo: step.review!.escalateTo,
          reviewOf: { taskId, partnerId, attempt, ...(outputDigest ? { resultDigest: outputDigest } : {}) },
        });
        if (review.decision === 'approve') return result.output;
        delete s.output;
        const reasons = review.reasons?.length ? [...review.reasons] : ['the reviewing officer gave no reasons'];
        if (review.decision === 'request-rework' && reworks < (step.review!.maxReworks ?? 2)) {
          reworks += 1;
          rework = { previousAttempt: attempt, reasons };
          // The next review sets the new work beside this one.
          s.previousAttempt = { attempt, output: result.output, reasons };
          continue; // the same partner does the work again, as a new attempt, with the reasons
        }
        why = `the reviewing officer did not accept the result: ${reasons.join('; ')}`;
      }
    }
    tried.push(partnerId);
    const previous = partnerId;
    partnerId = tried.length <= selection.maxReassignments ? await select(tried) : null;
    if (!partnerId) break;
    await journal.record(
      'taskReassigned',
      { stepId: step.id, taskId, fromPartnerId: previous, toPartnerId: partnerId, attempt: attempt + 1, reason: why },
      step.id,
      attempt + 1,
    );
  }
  return await fallBack(ctx, step, selection.fallback, s, tried.length);
}

/** Tells the partner its task is taken back (by an officer, or because the deadline passed); returns why. */
async function takeBack(
  ctx: CaseContext,
  step: TaskStep,
  task: { taskId: string; partnerId: string; attempt: number },
  revocation: Assignment['revocation'],
  receipt: DispatchReceipt,
): Promise<string> {
  const { caseId, journal } = ctx;
  const { attempt } = task;
  if (revocation) {
    const code = revocation.code ?? 'TASK.REVOKED';
    await journal.flushThen(() => ctx.remote.revokeTask({ caseId, ...task, code, reasons: [revocation.reason] }));
    await journal.record(
      'taskRevoked',
      { stepId: step.id, ...task, code, revokedBy: revocation.revokedBy, reason: revocation.reason },
      step.id,
      attempt,
    );
    return revocation.reason;
  }
  await journal.flushThen(() =>
    ctx.remote.revokeTask({
      caseId,
      ...task,
      code: 'TASK.DEADLINE_PASSED',
      reasons: [`the deadline ${receipt.deadline} passed`],
    }),
  );
  await journal.record('deadlineBreached', { stepId: step.id, ...task, deadline: receipt.deadline }, step.id, attempt);
  return 'the deadline passed';
}

/** No partner delivered: an officer does the work with the time the partners had, or the step fails. */
async function fallBack(
  ctx: CaseContext,
  step: TaskStep,
  fallback: NonNullable<TaskStep['partners']>['fallback'],
  s: StepState,
  tried: number,
): Promise<Record<string, unknown>> {
  if ('role' in fallback) {
    const reason = tried ? `no partner delivered after ${tried} partner(s)` : 'no eligible partner';
    await ctx.journal.record('fellBackInHouse', { stepId: step.id, role: fallback.role, reason }, step.id);
    s.mode = 'in-house';
    // The officer gets the same time the partners had: the case never waits without a deadline.
    return await awaitOfficer(ctx, step.id, s, fallback.role, 'fallback', {
      deadline: step.deadline,
      taskType: step.task,
    });
  }
  throw new StepFailed(
    step.id,
    'STEP.NO_PARTNER_DELIVERED',
    `no partner delivered ${step.task} and the step's fallback is to fail`,
  );
}

function deprecationOf(ctx: CaseContext, taskType: string): { deprecation?: Deprecation } {
  const deprecation = ctx.contracts.taskTypes[taskType]?.deprecation;
  return deprecation ? { deprecation } : {};
}

/** Who a dispatch goes to: a partner named, or the one the dispatch chooses by the step's selection. */
interface PartnerChoice {
  readonly exclude: readonly string[];
  readonly selection: NonNullable<TaskStep['partners']>;
}

/**
 * Sends the task (with the events kept so far, in the same send); a refused dispatch fails the
 * step. Given a choice rather than a partner, the dispatch chooses the partner too, and may find
 * none: then it sent only the events, and the case's numbering goes back to before it.
 */
async function dispatch(
  ctx: CaseContext,
  step: TaskStep,
  s: StepState,
  taskId: string,
  to: string,
  attempt: number,
  rework: Rework | undefined,
): Promise<DispatchReceipt>;
async function dispatch(
  ctx: CaseContext,
  step: TaskStep,
  s: StepState,
  taskId: string,
  to: PartnerChoice,
  attempt: number,
  rework: Rework | undefined,
): Promise<ChosenPartnerDispatch>;
async function dispatch(
  ctx: CaseContext,
  step: TaskStep,
  s: StepState,
  taskId: string,
  to: string | PartnerChoice,
  attempt: number,
  rework: Rework | undefined,
): Promise<DispatchReceipt | ChosenPartnerDispatch> {
  const request = {
    caseId: ctx.caseId,
    stepId: step.id,
    taskId,
    taskType: step.task!,
    attempt,
    classification: step.classification,
    mode: s.mode,
    deadline: step.deadline!,
    input: pick(ctx.application, step.share),
    ...(rework ? { rework } : {}),
    ...deprecationOf(ctx, step.task!),
    retentionDays: closedCaseRetentionDays(ctx.definition),
    ...ctx.journal.takePending(),
    ...ctx.journal.numberDispatch(step.id, attempt),
  };
  try {
    if (typeof to === 'string') return await ctx.localDispatch.dispatchTask({ ...request, partnerId: to });
    const { select: strategy, only } = to.selection;
    const chosen = await ctx.localDispatch.dispatchToChosenPartner({
      ...request,
      selection: { strategy, exclude: [...to.exclude], ...(only ? { only } : {}) },
    });
    if (chosen.partnerId === null) ctx.journal.nothingDispatched();
    return chosen;
  } catch (err) {
    // A remote activity's failure arrives as an ActivityFailure around it, a local one's may not.
    let refusal: unknown = err;
    while (refusal instanceof ActivityFailure) refusal = refusal.cause;
    if (refusal instanceof ApplicationFailure && refusal.type === 'CONTROL.CORE_CRITICAL_DISPATCH') {
      ctx.journal.dispatchRefused();
      throw new StepFailed(step.id, refusal.type, refusal.message);
    }
    throw err;
  }
}
