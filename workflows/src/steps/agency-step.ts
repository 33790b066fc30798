import type { TaskStep } from '@govmesh/contracts/service-definition';
import { proxyActivities } from '@temporalio/workflow';

import type { AgencyActivity } from '../case-activities.js';
import type { CaseContext } from '../case-context.js';
import { agencyTaskQueue } from '../task-queues.js';

/** An agency's in-house automated step, on that agency's own task queue. */
export async function runAgencyActivity(
  ctx: CaseContext,
  step: TaskStep,
  run: NonNullable<TaskStep['run']>,
): Promise<Record<string, unknown>> {
  const agency = proxyActivities<Record<string, AgencyActivity>>({
    taskQueue: agencyTaskQueue(run.agency),
    startToCloseTimeout: '1 minute',
  });
  return await ctx.journal.flushThen(() =>
    agency[run.activity]!({ caseId: ctx.caseId, stepId: step.id, application: ctx.application }),
  );
}
