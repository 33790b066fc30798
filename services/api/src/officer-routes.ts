import { parseTaskId, taskIdOf } from '@govmesh/contracts/case-ids';
import { officerTasks } from '@govmesh/workflows/case-api';
import type { z } from 'zod';

import { DecisionBody, OfficerTaskView, Problem, RevokeBody, TaskIdParams } from './api-schemas.js';
import type { Caller } from '@govmesh/tokens';
import { caseFor } from './case-routes.js';
import { forbidden, notFound } from './problems.js';
import { route, type ApiDeps, type RouteSpec } from './route-spec.js';

/** How long a new case may be missing from Temporal's visibility index before the inbox believes it. */
const VISIBILITY_LAG_MS = 120_000;

/** The agency that owns a service, from the catalogue. */
function ownerOf(serviceId: string, deps: ApiDeps): string | undefined {
  return deps.store.serviceVersions(serviceId).at(-1)?.definition.ownerAgency;
}

/** An officer acts for one agency (claim govmesh_agency): only on cases of that agency's services. */
function mayWorkOn(caller: Caller, serviceId: string, deps: ApiDeps): boolean {
  return caller.agency !== undefined && ownerOf(serviceId, deps) === caller.agency;
}

/** The step's waiting task, checked against the officer's agency and the roles the officer holds. */
async function officerStep(caller: Caller, taskId: string, deps: ApiDeps) {
  const parsed = parseTaskId(taskId);
  if (!parsed) throw notFound(`no task ${taskId}: a task id is <caseId>:<stepId>`);
  const { caseId, stepId } = parsed;
  const record = caseFor(caller, caseId, deps);
  if (!mayWorkOn(caller, record.serviceId, deps)) {
    throw forbidden(
      `task ${taskId} is a case of ${record.serviceId}, owned by ${ownerOf(record.serviceId, deps) ?? 'no agency'}; your token acts for ${caller.agency ?? 'no agency'}`,
    );
  }
  const state = await deps.cases.state(caseId);
  const step = state?.steps[stepId];
  if (!state || !step) throw notFound(`no task ${taskId}`);
  return { caseId, stepId, step };
}

export const officerRoutes: RouteSpec[] = [
  route({
    method: 'get',
    operationId: 'listOfficerTasks',
    path: '/v1/tasks',
    tag: 'Officers',
    roles: ['officer'],
    summary:
      "The officer's inbox: officer decisions, reviews and fallbacks waiting for a role the caller holds, with deadlines",
    responses: { 200: { description: 'the waiting tasks, oldest case first', schema: OfficerTaskView.array() } },
    async handle({ caller }, deps) {
      const roles = caller!.officerRoles;
      const now = (deps.now?.() ?? new Date()).getTime();
      // One visibility query: the cases waiting for the caller's roles, each with the tasks its
      // memo lists, whatever the number of open cases. The index lags a new case by a moment, so a
      // young case it does not list yet is asked all the same, and so is a case too old to list.
      const waiting = await deps.cases.officerInbox(roles);
      const listed = new Set(waiting.map((w) => w.caseId));
      const young = deps.store
        .openCasesSince(new Date(now - VISIBILITY_LAG_MS))
        .filter((r) => !listed.has(r.caseId))
        .map((r) => ({ caseId: r.caseId, tasks: undefined }));
      const found: Array<{ submittedAt: string; view: z.infer<typeof OfficerTaskView> }> = [];
      for (const { caseId, tasks } of [...waiting, ...young]) {
        const record = deps.store.case(caseId);
        if (!record || !mayWorkOn(caller!, record.serviceId, deps)) continue;
        let entries = tasks;
        if (!entries) {
          const state = await deps.cases.state(caseId);
          if (!state) continue;
          if (state.status !== 'running') {
            deps.store.closeCase(caseId);
            continue;
          }
          entries = officerTasks(state);
        }
        for (const t of entries) {
          if (!roles.includes(t.role)) continue;
          found.push({
            submittedAt: record.submittedAt,
            view: {
              taskId: taskIdOf(caseId, t.stepId),
              caseId,
              stepId: t.stepId,
              serviceId: record.serviceId,
              kind: t.kind,
              role: t.role,
              deadline: t.deadline,
              ...(t.output ? { output: t.output } : {}),
            },
          });
        }
      }
      // Oldest case first, as before; within a case, in the order of its steps.
      const tasks = found.sort((a, b) => a.submittedAt.localeCompare(b.submittedAt)).map((f) => f.view);
      return { status: 200, body: tasks };
    },
  }),
  route({
    method: 'post',
    operationId: 'decideTask',
    path: '/v1/tasks/{id}/decision',
    tag: 'Officers',
    roles: ['officer'],
    summary: 'Decide an officer task or review (approve, reject, request-rework with reasons, request-information)',
    params: TaskIdParams,
    body: DecisionBody,
    responses: {
      202: { description: 'recorded; the case goes on' },
      403: { description: 'the task needs a role the caller does not hold', schema: Problem },
      404: { description: 'no such task', schema: Problem },
      409: { description: 'the task is not waiting for a decision', schema: Problem },
    },
    async handle({ params, body, caller }, deps) {
      const { caseId, stepId, step } = await officerStep(caller!, params.id, deps);
      if (step.role && !caller!.officerRoles.includes(step.role))
        throw forbidden(
          `task ${params.id} is for a ${step.role}; you hold ${caller!.officerRoles.join(', ') || 'no officer role'}`,
        );
      await deps.cases.decide(caseId, {
        stepId,
        officerId: caller!.subject,
        role: step.role ?? '(none)',
        decision: body.decision,
        ...(body.output ? { output: body.output } : {}),
        ...(body.reasons ? { reasons: body.reasons } : {}),
      });
      return { status: 202, body: { accepted: true } };
    },
  }),
  route({
    method: 'post',
    operationId: 'revokePartnerTask',
    path: '/v1/tasks/{id}/revoke',
    tag: 'Officers',
    roles: ['officer'],
    summary: 'Take a partner task back from its partner, with a reason; the case moves it to the next eligible partner',
    params: TaskIdParams,
    body: RevokeBody,
    responses: {
      202: { description: 'revoked' },
      404: { description: 'no such task', schema: Problem },
      409: { description: 'no partner holds the task now', schema: Problem },
    },
    async handle({ params, body, caller }, deps) {
      const { caseId, stepId } = await officerStep(caller!, params.id, deps);
      await deps.cases.revoke(caseId, { stepId, revokedBy: caller!.subject, reason: body.reason });
      return { status: 202, body: { revoked: true } };
    },
  }),
];
