import { randomUUID } from 'node:crypto';

import type { Caller } from '@govmesh/tokens';

import {
  ErasureDecisionBody,
  ErasureRequestBody,
  ErasureRequestQuery,
  ErasureRequestView,
  IdParams,
  Problem,
} from './api-schemas.js';
import { eraseCase } from './case-erasure.js';
import type { ErasureOutcome, ErasureRequest } from './platform-store.js';
import { ApiProblem, forbidden, notFound } from './problems.js';
import { route, type ApiDeps, type RouteSpec } from './route-spec.js';

/** A citizen sees their own requests; an officer those they took down; auditors every one. */
const visibleTo = (caller: Caller, r: ErasureRequest): boolean =>
  caller.role === 'auditor' || r.citizen === caller.subject || r.filedBy === caller.subject;

async function requestFor(caller: Caller, id: string, deps: ApiDeps): Promise<ErasureRequest> {
  const request = await deps.store.erasureRequest(id);
  if (!request || !visibleTo(caller, request)) throw notFound(`no erasure request ${id}`);
  return request;
}

/** Erases every case of the request's citizen that is not erased yet; cases still running are kept. */
async function carryOut(request: ErasureRequest, deps: ApiDeps): Promise<ErasureOutcome[]> {
  const done = new Map((request.outcomes ?? []).map((o) => [o.caseId, o]));
  const outcomes: ErasureOutcome[] = [];
  for (const record of await deps.store.casesOf(request.citizen))
    outcomes.push(await eraseCase(record, 'request', deps, request.id));
  // Cases erased by an earlier attempt of this request are no longer the citizen's: keep their outcome.
  for (const [caseId, outcome] of done) if (!outcomes.some((o) => o.caseId === caseId)) outcomes.push(outcome);
  await deps.store.recordErasureOutcomes(request.id, outcomes);
  return outcomes;
}

export const erasureRoutes: RouteSpec[] = [
  route({
    method: 'post',
    operationId: 'fileErasureRequest',
    path: '/v1/erasure-requests',
    tag: 'Citizens',
    roles: ['citizen', 'officer'],
    summary:
      "Ask for a citizen's cases to be erased (the right to erasure). A citizen files for themselves; an officer for the citizen named. An auditor decides.",
    body: ErasureRequestBody,
    responses: {
      201: { description: 'filed; pending an auditor', schema: ErasureRequestView },
      400: { description: 'an officer did not name the citizen', schema: Problem },
      403: { description: 'a citizen named someone else', schema: Problem },
    },
    async handle({ body, caller }, deps) {
      let citizen: string;
      if (caller!.role === 'citizen') {
        if (body.citizen !== undefined && body.citizen !== caller!.subject)
          throw forbidden("a citizen asks for their own cases' erasure only");
        citizen = caller!.subject;
      } else {
        if (body.citizen === undefined)
          throw new ApiProblem(400, 'Invalid request', 'body.citizen: an officer names the citizen who asked', {
            code: 'REQUEST.INVALID',
            errors: [{ path: 'body.citizen', message: 'an officer names the citizen who asked' }],
          });
        citizen = body.citizen;
      }
      const request = await deps.store.fileErasureRequest({
        id: `erasure-${randomUUID()}`,
        citizen,
        reason: body.reason,
        filedBy: caller!.subject,
        filedAt: (deps.now?.() ?? new Date()).toISOString(),
      });
      deps.logger
        .child({ component: 'erasure' })
        .info({ requestId: request.id, filedAs: caller!.role }, 'erasure requested');
      return { status: 201, body: request };
    },
  }),
  route({
    method: 'get',
    operationId: 'listErasureRequests',
    path: '/v1/erasure-requests',
    tag: 'Audit',
    roles: ['citizen', 'officer', 'auditor'],
    summary: 'Erasure requests, newest first: an auditor sees all (`?status=pending` for the queue); others their own',
    query: ErasureRequestQuery,
    responses: { 200: { description: 'the requests', schema: ErasureRequestView.array() } },
    async handle({ query, caller }, deps) {
      const all = await deps.store.erasureRequests(query.status ? { status: query.status } : {});
      return { status: 200, body: all.filter((r) => visibleTo(caller!, r)) };
    },
  }),
  route({
    method: 'get',
    operationId: 'getErasureRequest',
    path: '/v1/erasure-requests/{id}',
    tag: 'Audit',
    roles: ['citizen', 'officer', 'auditor'],
    summary: 'One erasure request, with what became of each case once decided',
    params: IdParams,
    responses: {
      200: { description: 'the request', schema: ErasureRequestView },
      404: { description: 'no such request (or not yours)', schema: Problem },
    },
    async handle({ params, caller }, deps) {
      return { status: 200, body: await requestFor(caller!, params.id, deps) };
    },
  }),
  route({
    method: 'post',
    operationId: 'decideErasureRequest',
    path: '/v1/erasure-requests/{id}/decision',
    tag: 'Audit',
    roles: ['auditor'],
    summary:
      "Approve (every closed case of the citizen is erased at once: Temporal history, the partners' copies, the applicant's link; the ledger records case.erased) or refuse. Approving again retries cases that failed.",
    params: IdParams,
    body: ErasureDecisionBody,
    responses: {
      200: { description: 'decided; for an approval, what became of each case', schema: ErasureRequestView },
      404: { description: 'no such request', schema: Problem },
      409: { description: 'already decided otherwise', schema: Problem },
    },
    async handle({ params, body, caller }, deps) {
      const request = await requestFor(caller!, params.id, deps);
      const status = body.decision === 'approve' ? 'approved' : 'refused';
      const decided = await deps.store.decideErasureRequest(request.id, {
        status,
        by: caller!.subject,
        at: deps.now?.() ?? new Date(),
        reason: body.reason,
      });
      // Approving an approved request again retries the cases that could not be erased; nothing else changes.
      const retry = !decided && request.status === 'approved' && status === 'approved';
      if (!decided && !retry)
        throw new ApiProblem(409, 'Already decided', `erasure request ${request.id} was ${request.status} already`, {
          code: 'ERASURE.DECIDED',
        });
      if (status === 'approved') await carryOut((await deps.store.erasureRequest(request.id))!, deps);
      const now = (await deps.store.erasureRequest(request.id))!;
      deps.logger.child({ component: 'erasure' }).info(
        {
          requestId: request.id,
          decision: status,
          erased: now.outcomes?.filter((o) => o.outcome === 'erased').length,
        },
        'erasure request decided',
      );
      return { status: 200, body: now };
    },
  }),
];
