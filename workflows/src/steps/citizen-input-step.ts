import type { CitizenInputStep } from '@govmesh/contracts/service-definition';

import { assign } from '../application-paths.js';
import type { StepState } from '../case-api.js';
import type { CaseContext } from '../case-context.js';
import { CaseWithdrawn, type CitizenRequest } from '../case-model.js';

/** A step that asks the applicant for more. */
export async function runCitizenInput(
  ctx: CaseContext,
  step: CitizenInputStep,
  s: StepState,
): Promise<Record<string, unknown>> {
  return await collectCitizenInput(ctx, step.id, s, step.citizenInput.fields, step.citizenInput);
}

/**
 * Asks the applicant for fields (none: free text) and waits. Past the deadline the applicant is
 * reminded, up to `reminders` times; then the case is withdrawn or goes on without, as the
 * definition says. Provided values complete the application.
 */
export async function collectCitizenInput(
  ctx: CaseContext,
  stepId: string,
  s: StepState,
  fields: readonly string[],
  timing?: CitizenInputStep['citizenInput'],
): Promise<Record<string, unknown>> {
  const { journal, open } = ctx;
  const request: CitizenRequest = { fields };
  open.citizenRequests.set(stepId, request);
  s.status = 'awaiting-citizen';
  const named = fields.length ? [...fields] : ['(free text)'];
  await journal.record('citizenInputRequested', { stepId, fields: named }, stepId);
  const deadline = ctx.deadlineOr(timing?.deadline);
  if (!deadline) await journal.waitUntil(() => request.provided !== undefined);
  else {
    let due = await ctx.localDispatch.computeDueDate({ deadline });
    s.deadline = due.due;
    for (let reminded = 0; !(await journal.waitUntil(() => request.provided !== undefined, due.inMs)); reminded += 1) {
      if (reminded < (timing?.reminders ?? 1)) {
        due = await ctx.localDispatch.computeDueDate({ deadline });
        s.deadline = due.due;
        await journal.record('citizenInputReminded', { stepId, fields: named, deadline: due.due }, stepId);
        continue;
      }
      open.citizenRequests.delete(stepId);
      if ((timing?.onExpiry ?? 'withdraw') === 'withdraw') {
        throw new CaseWithdrawn(
          stepId,
          'CASE.NO_CITIZEN_INPUT',
          `the applicant did not provide ${named.join(', ')} by ${due.due}`,
        );
      }
      s.status = 'running';
      return {};
    }
  }
  open.citizenRequests.delete(stepId);
  const provided = request.provided!;
  for (const [path, value] of Object.entries(provided)) assign(ctx.application, path, value);
  const given = Object.keys(provided);
  await journal.record('citizenInputProvided', { stepId, fields: given.length ? given : ['(free text)'] }, stepId);
  s.status = 'running';
  return provided;
}
