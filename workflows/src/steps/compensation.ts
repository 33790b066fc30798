import { ActivityFailure, proxyActivities } from '@temporalio/workflow';

import type { AgencyActivity } from '../case-activities.js';
import type { CaseContext } from '../case-context.js';
import { agencyTaskQueue } from '../task-queues.js';
import { DEFAULT_PICKUP_SECONDS } from './agency-step.js';

/**
 * Undoes the completed steps that name a compensation, last completed first, each on its agency's
 * own task queue. A compensation that cannot be done is recorded with its reason and the next goes
 * on: the agency then undoes that one by hand, from the ledger.
 */
export async function compensateCompletedSteps(ctx: CaseContext): Promise<void> {
  const { caseId, journal, open, state } = ctx;
  for (const c of [...open.compensations].reverse()) {
    const agency = proxyActivities<Record<string, AgencyActivity>>({
      taskQueue: agencyTaskQueue(c.agency),
      startToCloseTimeout: '1 minute',
      scheduleToStartTimeout: `${DEFAULT_PICKUP_SECONDS} seconds`,
      retry: { maximumAttempts: 5 },
    });
    const done = { stepId: c.stepId, agency: c.agency, activity: c.activity };
    try {
      await journal.flushThen(() => agency[c.activity]!({ caseId, stepId: c.stepId, application: ctx.application }));
      state.steps[c.stepId]!.compensation = 'done';
      await journal.record('stepCompensated', { ...done, outcome: 'done' }, c.stepId);
    } catch (err) {
      state.steps[c.stepId]!.compensation = 'failed';
      const why = err instanceof ActivityFailure && err.cause ? err.cause.message : (err as Error).message;
      await journal.record('stepCompensated', { ...done, outcome: 'failed', reason: why || 'unknown' }, c.stepId);
    }
  }
}
