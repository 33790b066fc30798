import type { Deadline } from '@govmesh/contracts/service-definition';
import { DEFAULT_STATUTORY_WARNING_AT } from '@govmesh/contracts/service-rules';
import { condition } from '@temporalio/workflow';

import type { StatutoryClockReading } from './case-activities.js';
import type { CaseContext } from './case-context.js';
import { escalateOfficerTask } from './steps/officer-step.js';

/**
 * The case's time limit by law, kept beside its steps (cases started after
 * `statutory-time-limits`): it stands still while the case waits on the applicant, as licensing
 * law counts it, and moves on by the time paused; a warning is recorded at the service's share of
 * the time, and a breach once, sending the case's open officer tasks to the top of their
 * escalation paths. Three events at most besides the pauses: a case that waits long adds nothing.
 */
export async function startStatutoryClock(
  ctx: CaseContext,
  deadline: Deadline,
): Promise<{ readonly due: string; keep(): void }> {
  const warningAt = ctx.definition.statutoryWarningAt ?? DEFAULT_STATUTORY_WARNING_AT;
  const clock = await ctx.localDispatch.statutoryClock({ deadline, warningAt });
  ctx.state.deadline = clock.due;
  // Not awaited: the clock runs while the steps do, and stops when the case ends.
  return { due: clock.due, keep: () => void keepClock(ctx, deadline, warningAt, clock) };
}

async function keepClock(
  ctx: CaseContext,
  deadline: Deadline,
  warningAt: number,
  started: StatutoryClockReading,
): Promise<void> {
  const { state, open } = ctx;
  const ended = () => state.status !== 'running';
  const waitingOnApplicant = () => open.citizenRequests.size > 0;
  let clock = started;
  let warned = false;
  for (;;) {
    if (ended()) return;
    if (waitingOnApplicant()) {
      const from = new Date(Date.now()).toISOString();
      state.deadlinePaused = true;
      await recordNow(ctx, 'statutoryClockPaused', { deadline: clock.due });
      await condition(() => !waitingOnApplicant() || ended());
      if (ended()) return;
      clock = await ctx.localDispatch.statutoryClock({
        deadline,
        warningAt,
        paused: { from, due: clock.due, warnAt: clock.warnAt },
      });
      state.deadline = clock.due;
      delete state.deadlinePaused;
      const { pausedWorkingDays, pausedSeconds } = clock;
      await recordNow(ctx, 'statutoryClockResumed', {
        deadline: clock.due,
        ...(pausedWorkingDays !== undefined ? { pausedWorkingDays } : {}),
        ...(pausedSeconds !== undefined ? { pausedSeconds } : {}),
      });
      continue;
    }
    const inMs = Date.parse(warned ? clock.due : clock.warnAt) - Date.now();
    if (inMs > 0 && (await condition(() => waitingOnApplicant() || ended(), inMs))) continue;
    if (ended()) return;
    if (!warned) {
      warned = true;
      await recordNow(ctx, 'statutoryDeadlineNear', { deadline: clock.due });
      continue;
    }
    await breach(ctx, clock.due);
    return;
  }
}

/** Past the deadline: recorded once; each open officer task goes straight to the top of its path. */
async function breach(ctx: CaseContext, due: string): Promise<void> {
  const { state, open, journal } = ctx;
  state.deadlineBreached = true;
  const escalatedTo: string[] = [];
  for (const [stepId, task] of open.officerTasks) {
    const top = task.path?.at(-1);
    if (task.decision || top === undefined || top === task.role) continue;
    await escalateOfficerTask(ctx, stepId, task, top, due);
    if (!escalatedTo.includes(top)) escalatedTo.push(top);
  }
  await recordNow(ctx, 'statutoryDeadlineBreached', { deadline: due, escalatedTo });
  // The inbox follows the tasks to their new role.
  journal.refreshVisibility();
}

/** Recorded and published at once: the steps may be waiting for weeks, and the ledger must know now. */
async function recordNow(
  ctx: CaseContext,
  kind: 'statutoryClockPaused' | 'statutoryClockResumed' | 'statutoryDeadlineNear' | 'statutoryDeadlineBreached',
  data: Record<string, unknown>,
): Promise<void> {
  await ctx.journal.record(kind, data);
  await ctx.journal.flushThen(() => Promise.resolve());
}
