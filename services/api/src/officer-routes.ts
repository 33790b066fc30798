import { nextPageLink } from '@govmesh/contracts/api-paging';
import { parseTaskId, taskIdOf } from '@govmesh/contracts/case-ids';
import { officerTasks } from '@govmesh/workflows/case-api';
import type { z } from 'zod';

import type { OfficerTaskEntry } from '@govmesh/workflows/case-api';

import {
  CASE_NOT_ANSWERING,
  ClaimBody,
  DecisionBody,
  OfficerTaskDetail,
  OfficerInboxQuery,
  OfficerTaskView,
  Problem,
  RevokeBody,
  TaskHold,
  TaskIdParams,
} from './api-schemas.js';
import type { Caller } from '@govmesh/tokens';
import { caseFor } from './case-routes.js';
import { ApiProblem, forbidden, notFound } from './problems.js';
import { route, type ApiDeps, type RouteSpec } from './route-spec.js';

/** How long a new case may be missing from Temporal's visibility index before the inbox believes it. */
const VISIBILITY_LAG_MS = 120_000;

/** The agency that owns a service, from the catalogue. */
async function ownerOf(serviceId: string, deps: ApiDeps): Promise<string | undefined> {
  return (await deps.store.serviceVersions(serviceId)).at(-1)?.definition.ownerAgency;
}

/** An officer acts for one agency (claim govmesh_agency): only on cases of the services it owns. */
function mayWorkOn(caller: Caller, owner: string | undefined): boolean {
  return caller.agency !== undefined && owner === caller.agency;
}

/** The step's waiting task, checked against the officer's agency and the roles the officer holds. */
async function officerStep(caller: Caller, taskId: string, deps: ApiDeps) {
  const parsed = parseTaskId(taskId);
  if (!parsed) throw notFound(`no task ${taskId}: a task id is <caseId>:<stepId>`);
  const { caseId, stepId } = parsed;
  const record = await caseFor(caller, caseId, deps);
  const owner = await ownerOf(record.serviceId, deps);
  if (!mayWorkOn(caller, owner)) {
    throw forbidden(
      `task ${taskId} is a case of ${record.serviceId}, owned by ${owner ?? 'no agency'}; your token acts for ${caller.agency ?? 'no agency'}`,
    );
  }
  const state = await deps.cases.state(caseId);
  const step = state?.steps[stepId];
  if (!state || !step) throw notFound(`no task ${taskId}`);
  return { caseId, stepId, step, state, record };
}

/** 403 unless the caller holds the role the task waits for. */
function requireRole(caller: Caller, taskId: string, role: string): void {
  if (!caller.officerRoles.includes(role))
    throw forbidden(`task ${taskId} is for a ${role}; you hold ${caller.officerRoles.join(', ') || 'no officer role'}`);
}

/** A task as the inbox and the task route show it. */
function taskView(caseId: string, serviceId: string, t: OfficerTaskEntry): z.infer<typeof OfficerTaskView> {
  return {
    taskId: taskIdOf(caseId, t.stepId),
    caseId,
    stepId: t.stepId,
    serviceId,
    kind: t.kind,
    role: t.role,
    deadline: t.deadline,
    ...(t.output ? { output: t.output } : {}),
    ...(t.version !== undefined ? { version: t.version } : {}),
    ...(t.claimedBy ? { claimedBy: t.claimedBy } : {}),
  };
}

/** The step's officer task, for a caller holding its role: 409 if none waits, 403 for another role. */
async function waitingTask(caller: Caller, taskId: string, deps: ApiDeps) {
  const found = await officerStep(caller, taskId, deps);
  const entry =
    found.state.status === 'running' ? officerTasks(found.state).find((t) => t.stepId === found.stepId) : undefined;
  if (!entry)
    throw new ApiProblem(409, 'Not waiting for an officer', `task ${taskId} is not waiting for an officer`, {
      code: 'CASE.NOT_AWAITING_DECISION',
    });
  requireRole(caller, taskId, entry.role);
  return { ...found, entry };
}

/**
 * Turns a listed case into the caller's tasks in it: none when the case is not of the caller's
 * agency, undefined when it has closed. Reads each service's owner once per request.
 */
function inboxTasks(caller: Caller, deps: ApiDeps) {
  const owners = new Map<string, Promise<string | undefined>>();
  const owner = (serviceId: string) => {
    if (!owners.has(serviceId)) owners.set(serviceId, ownerOf(serviceId, deps));
    return owners.get(serviceId)!;
  };
  return async (waiting: {
    readonly caseId: string;
    readonly tasks?: readonly OfficerTaskEntry[] | undefined;
  }): Promise<{ submittedAt: string; views: Array<z.infer<typeof OfficerTaskView>> } | undefined> => {
    const { caseId } = waiting;
    const record = await deps.store.case(caseId);
    if (!record || !mayWorkOn(caller, await owner(record.serviceId))) return undefined;
    let entries = waiting.tasks;
    if (!entries) {
      const state = await deps.cases.state(caseId);
      if (!state) return undefined;
      if (state.status !== 'running') {
        await deps.store.closeCase(caseId);
        return undefined;
      }
      entries = officerTasks(state);
    }
    const views = entries
      .filter((t) => caller.officerRoles.includes(t.role))
      .map((t) => taskView(caseId, record.serviceId, t));
    return { submittedAt: record.submittedAt, views };
  };
}

/** A claim or its release, answered with who holds the task now and its version. */
function claimRoute(action: 'claim' | 'release'): RouteSpec {
  return route({
    method: 'post',
    operationId: action === 'claim' ? 'claimTask' : 'releaseTask',
    path: `/v1/tasks/{id}/${action}`,
    tag: 'Officers',
    roles: ['officer'],
    summary:
      action === 'claim'
        ? 'Claim an officer task: until released or escalated, nobody else may claim or decide it'
        : 'Give a claimed task back to its role',
    params: TaskIdParams,
    body: ClaimBody,
    responses: {
      200: { description: 'who holds the task now, and its new version', schema: TaskHold },
      403: { description: 'the task needs a role the caller does not hold', schema: Problem },
      404: { description: 'no such task', schema: Problem },
      409: {
        description:
          action === 'claim'
            ? 'claimed by another officer (CASE.TASK_CLAIMED), changed since the version sent (CASE.TASK_CHANGED), or not waiting'
            : 'not claimed by the caller (CASE.NOT_YOUR_CLAIM), changed since the version sent, or not waiting',
        schema: Problem,
      },
      503: CASE_NOT_ANSWERING,
    },
    async handle({ params, body, caller }, deps) {
      const { caseId, stepId, entry } = await waitingTask(caller!, params.id, deps);
      const hold = await deps.cases.claim(caseId, {
        stepId,
        officerId: caller!.subject,
        role: entry.role,
        action,
        ...(body.version !== undefined ? { version: body.version } : {}),
      });
      return { status: 200, body: { taskId: params.id, ...hold } };
    },
  });
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
    query: OfficerInboxQuery,
    responses: {
      200: {
        description:
          'the waiting tasks: the whole inbox oldest case first, or with pageSize one page: the cases overdue when the first page was asked first, then the others, each newest case first',
        schema: OfficerTaskView.array(),
        headers: {
          Link: {
            description: 'with pageSize, when more cases wait: `</v1/tasks?pageSize=..&pageToken=..>; rel="next"`',
            schema: { type: 'string' },
          },
        },
      },
    },
    async handle({ caller, query }, deps) {
      const roles = caller!.officerRoles;
      const tasksOf = inboxTasks(caller!, deps);
      if (query.pageSize !== undefined) {
        // One page from one visibility query (two where the overdue cases end), whatever the
        // number of open cases: the cases overdue first, each part newest case first (the only
        // order Temporal's SQL visibility lists in).
        const page = await deps.cases.officerInboxPage(
          roles,
          { pageSize: query.pageSize, ...(query.pageToken !== undefined ? { pageToken: query.pageToken } : {}) },
          deps.now?.() ?? new Date(),
        );
        const tasks: Array<z.infer<typeof OfficerTaskView>> = [];
        for (const waiting of page.cases) tasks.push(...((await tasksOf(waiting))?.views ?? []));
        const next = page.nextPageToken;
        return {
          status: 200,
          body: tasks,
          ...(next ? { headers: { Link: nextPageLink('/v1/tasks', query.pageSize, next) } } : {}),
        };
      }
      const now = (deps.now?.() ?? new Date()).getTime();
      // One visibility query: the cases waiting for the caller's roles, each with the tasks its
      // memo lists, whatever the number of open cases. The index lags a new case by a moment, so a
      // young case it does not list yet is asked all the same, and so is a case too old to list.
      const waiting = await deps.cases.officerInbox(roles);
      const listed = new Set(waiting.map((w) => w.caseId));
      const young = (await deps.store.openCasesSince(new Date(now - VISIBILITY_LAG_MS)))
        .filter((r) => !listed.has(r.caseId))
        .map((r) => ({ caseId: r.caseId, tasks: undefined }));
      const found: Array<{ submittedAt: string; views: Array<z.infer<typeof OfficerTaskView>> }> = [];
      for (const w of [...waiting, ...young]) {
        const tasks = await tasksOf(w);
        if (tasks) found.push(tasks);
      }
      // Oldest case first, as before; within a case, in the order of its steps.
      return {
        status: 200,
        body: found.sort((a, b) => a.submittedAt.localeCompare(b.submittedAt)).flatMap((f) => f.views),
      };
    },
  }),
  route({
    method: 'get',
    operationId: 'getOfficerTask',
    path: '/v1/tasks/{id}',
    tag: 'Officers',
    roles: ['officer'],
    summary:
      'One officer task as the case holds it now: its version and claim, and for a review after rework the attempt sent back',
    params: TaskIdParams,
    responses: {
      200: { description: 'the task', schema: OfficerTaskDetail },
      403: { description: 'the task needs a role the caller does not hold', schema: Problem },
      404: { description: 'no such task', schema: Problem },
      409: { description: 'the step is not waiting for an officer', schema: Problem },
    },
    async handle({ params, caller }, deps) {
      const { caseId, stepId, state, entry, record } = await waitingTask(caller!, params.id, deps);
      const previous = state.steps[stepId]?.previousAttempt;
      return {
        status: 200,
        body: {
          ...taskView(caseId, record.serviceId, entry),
          ...(entry.kind === 'review' && previous
            ? { previousAttempt: { ...previous, reasons: [...previous.reasons] } }
            : {}),
        },
      };
    },
  }),
  claimRoute('claim'),
  claimRoute('release'),
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
      503: CASE_NOT_ANSWERING,
    },
    async handle({ params, body, caller }, deps) {
      const { caseId, stepId, step } = await officerStep(caller!, params.id, deps);
      if (step.role) requireRole(caller!, params.id, step.role);
      await deps.cases.decide(caseId, {
        stepId,
        officerId: caller!.subject,
        role: step.role ?? '(none)',
        decision: body.decision,
        ...(body.output ? { output: body.output } : {}),
        ...(body.reasons ? { reasons: body.reasons } : {}),
        ...(body.version !== undefined ? { version: body.version } : {}),
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
      503: CASE_NOT_ANSWERING,
    },
    async handle({ params, body, caller }, deps) {
      const { caseId, stepId } = await officerStep(caller!, params.id, deps);
      await deps.cases.revoke(caseId, { stepId, revokedBy: caller!.subject, reason: body.reason });
      return { status: 202, body: { revoked: true } };
    },
  }),
];
