import { escalationPathOf, supervisorRoleOf } from '@govmesh/contracts/service-rules';
import { patched } from '@temporalio/workflow';

import type { StepState, OfficerDecision } from '../case-api.js';
import type { CaseContext } from '../case-context.js';
import type { OfficerTask, OfficerTaskKind, OfficerTiming } from '../case-model.js';
import { collectCitizenInput } from './citizen-input-step.js';

/**
 * An officer decides the step. "Request information" asks the citizen and comes back to the
 * officer; the output is what the officer recorded, with the decision and who made it.
 */
export async function awaitOfficer(
  ctx: CaseContext,
  stepId: string,
  s: StepState,
  role: string,
  kind: OfficerTaskKind,
  timing: OfficerTiming = {},
): Promise<Record<string, unknown>> {
  for (;;) {
    const d = await awaitOfficerDecision(ctx, stepId, s, role, kind, timing);
    if (d.decision !== 'request-information') {
      if (kind === 'officer') ctx.state.decision = d.decision === 'approve' ? 'approved' : 'rejected';
      return { ...(d.output ?? {}), decision: d.decision, decidedBy: d.officerId };
    }
    const fields = Array.isArray(d.output?.fields) ? (d.output.fields as string[]) : [];
    await collectCitizenInput(ctx, stepId, s, fields);
  }
}

/**
 * Waits for an officer's decision. Past the deadline the task is escalated, recorded, to the next
 * role of its path (the service's escalation chain: supervisor, then head of unit), which gets the
 * same time again. Past the deadline at the top it is recorded once as breached and waits there,
 * overdue, with no timer and no event per period, however long (cases started after
 * `statutory-time-limits`; before, it went to `<role>-supervisor` and, after `escalation-ends`,
 * waited there unrecorded; before that, it escalated again every period).
 */
export async function awaitOfficerDecision(
  ctx: CaseContext,
  stepId: string,
  s: StepState,
  role: string,
  kind: OfficerTaskKind,
  timing: OfficerTiming = {},
): Promise<OfficerDecision> {
  const { journal, open } = ctx;
  // Each task of the step gets a version above any earlier one's: a screen opened on an earlier
  // task (before a request for information, say) cannot decide this one.
  const task: OfficerTask = {
    role,
    kind,
    version: (s.taskVersion ?? 0) + 1,
    ...(timing.taskType ? { taskType: timing.taskType } : {}),
  };
  if (ctx.keepsTimeLimits) task.path = escalationPathOf(role, timing.escalateTo, ctx.definition.escalation?.chain);
  open.officerTasks.set(stepId, task);
  Object.assign(s, { status: kind === 'review' ? 'awaiting-review' : 'awaiting-officer', role });
  s.taskVersion = task.version;
  delete s.claimedBy;
  const deadline = ctx.deadlineOr(timing.deadline);
  if (!deadline) await journal.waitUntil(() => task.decision !== undefined);
  else {
    let due = await ctx.localDispatch.computeDueDate({ deadline });
    s.deadline = due.due;
    while (!(await journal.waitUntil(() => task.decision !== undefined, due.inMs))) {
      const { path } = task;
      const toRole = path ? path[path.indexOf(task.role) + 1] : (timing.escalateTo ?? supervisorRoleOf(role));
      if (toRole === undefined) {
        // At the top of the path: recorded once, then the task waits there without a timer.
        s.overdue = true;
        await journal.record('officerTaskBreached', { stepId, role: task.role, deadline: due.due }, stepId);
        await journal.waitUntil(() => task.decision !== undefined);
        break;
      }
      // The chain ends at its top: escalating to the role that already has the task again and again
      // grew a case's history by a timer and an event every period, for ever. Now the task waits
      // there, its deadline left as it passed, so it counts as overdue.
      if (toRole === task.role && patched('escalation-ends')) {
        await journal.waitUntil(() => task.decision !== undefined);
        break;
      }
      due = await ctx.localDispatch.computeDueDate({ deadline });
      await escalateOfficerTask(ctx, stepId, task, toRole, due.due);
      s.deadline = due.due;
    }
  }
  open.officerTasks.delete(stepId);
  delete s.overdue;
  const d = task.decision!;
  // Before the record: whoever asks right after deciding must not see the task still waiting.
  s.status = 'running';
  delete s.role;
  delete s.claimedBy;
  const reasons = d.reasons?.length ? { reasons: [...d.reasons] } : {};
  await journal.record(
    'reviewDecided',
    { stepId, role: d.role, officerId: d.officerId, decision: d.decision, task: kind, ...timing.reviewOf, ...reasons },
    stepId,
  );
  return d;
}

/**
 * Records an officer task's escalation (due by `deadline` in the record) and hands it to
 * `toRole`: the one place that moves a task up, for an overdue task and for a case past its
 * statutory deadline alike.
 */
export async function escalateOfficerTask(
  ctx: CaseContext,
  stepId: string,
  task: OfficerTask,
  toRole: string,
  deadline: string,
): Promise<void> {
  const s = ctx.state.steps[stepId]!;
  await ctx.journal.record('officerTaskEscalated', { stepId, fromRole: task.role, toRole, deadline }, stepId);
  s.escalatedFrom ??= task.role;
  task.role = toRole;
  // The task is the new role's now: whoever had claimed it no longer holds it.
  task.version += 1;
  delete task.claimedBy;
  delete s.claimedBy;
  Object.assign(s, { role: toRole, taskVersion: task.version });
}
