import type { TaskStep } from '@govmesh/contracts/service-definition';
import { TimeoutType } from '@temporalio/common';
import { ActivityFailure, TimeoutFailure, proxyActivities } from '@temporalio/workflow';

import type { StepState } from '../case-api.js';
import type { AgencyActivity } from '../case-activities.js';
import type { CaseContext } from '../case-context.js';
import { StepFailed } from '../case-model.js';
import { agencyTaskQueue } from '../task-queues.js';
import { awaitOfficer } from './officer-step.js';

/** How long an agency's systems may take to pick a step up, unless its definition says. */
export const DEFAULT_PICKUP_SECONDS = 300;

/** The work waited on the agency's task queue and no worker of the agency took it. */
export const notPickedUp = (err: unknown): boolean =>
  err instanceof ActivityFailure &&
  err.cause instanceof TimeoutFailure &&
  err.cause.timeoutType === TimeoutType.SCHEDULE_TO_START;

/**
 * An agency's in-house automated step, on that agency's own task queue. When none of the agency's
 * workers picks it up in time (cases started after `agency-unavailable-escalates`), the case
 * records `agency.unavailable` and the step goes to the fallback officer role, or fails: it never
 * waits silently on a queue nobody polls.
 */
export async function runAgencyActivity(
  ctx: CaseContext,
  step: TaskStep,
  run: NonNullable<TaskStep['run']>,
  s: StepState,
): Promise<Record<string, unknown>> {
  const pickupSeconds = run.pickupWithin?.seconds ?? DEFAULT_PICKUP_SECONDS;
  const agency = proxyActivities<Record<string, AgencyActivity>>({
    taskQueue: agencyTaskQueue(run.agency),
    startToCloseTimeout: '1 minute',
    ...(ctx.escalatesUnavailableAgency ? { scheduleToStartTimeout: `${pickupSeconds} seconds` } : {}),
  });
  try {
    return await ctx.journal.flushThen(() =>
      agency[run.activity]!({ caseId: ctx.caseId, stepId: step.id, application: ctx.application }),
    );
  } catch (err) {
    if (!ctx.escalatesUnavailableAgency || !notPickedUp(err)) throw err;
  }
  const why = `${run.agency} did not pick up ${run.activity} within ${pickupSeconds} s`;
  s.agencyDelayed = run.agency;
  await ctx.journal.record(
    'agencyUnavailable',
    {
      stepId: step.id,
      agency: run.agency,
      activity: run.activity,
      waitedSeconds: pickupSeconds,
      ...(run.fallback ? { fallbackRole: run.fallback.role } : {}),
    },
    step.id,
  );
  if (!run.fallback) throw new StepFailed(step.id, 'AGENCY.UNAVAILABLE', why);
  await ctx.journal.record('fellBackInHouse', { stepId: step.id, role: run.fallback.role, reason: why }, step.id);
  return await awaitOfficer(ctx, step.id, s, run.fallback.role, 'fallback');
}
