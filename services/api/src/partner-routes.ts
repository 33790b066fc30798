import { PartnerProfile } from '@govmesh/contracts/partner-profile';

import {
  BROKER_NOT_ANSWERING,
  IdParams,
  OnboardPartner,
  PARTNER_PROFILE_DOCUMENT,
  OnboardedPartner,
  PartnerChange,
  PartnerCredentials,
  PartnerChanged,
  PartnerScorecard,
  Problem,
  ScorecardQuery,
} from './api-schemas.js';
import type { Caller } from '@govmesh/tokens';
import { actingAgency, ApiProblem, forbidden, invalidRequest, notFound } from './problems.js';
import { route, type ApiDeps, type RouteSpec } from './route-spec.js';

/**
 * An administrator changes only the partners its own agency contracted. A partner onboarded before
 * agencies were recorded is taken on by the first agency that acts on it.
 */
async function ownPartner(caller: Caller, partnerId: string, deps: ApiDeps): Promise<void> {
  const agency = actingAgency(caller, 'changes partners');
  const owner = await deps.store.partnerAgency(partnerId);
  if (owner === undefined) await deps.store.setPartnerAgency(partnerId, agency);
  else if (owner !== agency) {
    throw new ApiProblem(
      403,
      "Another agency's partner",
      `${partnerId} was contracted by ${owner}; your token acts for ${agency}`,
      { code: 'AUTH.NOT_OWNER' },
    );
  }
}

/** A partner sees only itself. */
function mayRead(caller: Caller, partnerId: string): void {
  if (caller.role === 'partner' && caller.subject !== partnerId)
    throw forbidden('a partner sees only its own profile and scorecard');
}

const windowOf = (q: { since?: string | undefined; until?: string | undefined }) => ({
  ...(q.since ? { from: new Date(q.since) } : {}),
  ...(q.until ? { to: new Date(q.until) } : {}),
});

export const partnerRoutes: RouteSpec[] = [
  route({
    method: 'post',
    operationId: 'onboardPartner',
    path: '/v1/partners',
    tag: 'Partners',
    roles: ['agency-admin'],
    summary:
      'Onboard a partner: its profile and capabilities; creates its task and result topics and its Kafka user, whose password is answered this once',
    body: OnboardPartner,
    bodyDocument: PARTNER_PROFILE_DOCUMENT,
    responses: {
      201: { description: 'onboarded, with its Kafka access (kept nowhere: store it now)', schema: OnboardedPartner },
      503: BROKER_NOT_ANSWERING,
      403: { description: 'a token that names no agency', schema: Problem },
      409: { description: 'the partner exists', schema: Problem },
      422: { description: 'a capability is not a published task type', schema: Problem },
    },
    async handle({ body, caller }, deps) {
      const agency = actingAgency(caller, 'onboards partners');
      const parsed = PartnerProfile.safeParse({ ...body, status: body.status ?? 'active' });
      if (!parsed.success) throw invalidRequest('body', parsed.error);
      // A partner is contracted for task types the registry has: a typo would never receive work.
      const published = new Set((await deps.store.contracts()).taskTypeRefs());
      const unknown = parsed.data.capabilities.map((ref, i) => ({ ref, i })).filter(({ ref }) => !published.has(ref));
      if (unknown.length)
        throw new ApiProblem(
          422,
          'Unknown task types',
          `not in the contract registry: ${unknown.map((u) => u.ref).join(', ')} (GET /v1/task-types lists them)`,
          {
            code: 'PARTNER.UNKNOWN_TASK_TYPE',
            errors: unknown.map(({ ref, i }) => ({
              path: `body.capabilities.${i}`,
              message: `${ref} is not a published task type [unknown-task-type]`,
            })),
          },
        );
      if (await deps.store.partner(parsed.data.id))
        throw new ApiProblem(
          409,
          'Partner exists',
          `${parsed.data.id} is onboarded already; PATCH it to change its status`,
          { code: 'PARTNER.EXISTS' },
        );
      const kafka = await deps.partners.onboard(parsed.data);
      await deps.store.savePartner(parsed.data, deps.now?.() ?? new Date());
      await deps.store.setPartnerAgency(parsed.data.id, agency);
      return { status: 201, body: { ...parsed.data, kafka } };
    },
  }),
  route({
    method: 'post',
    operationId: 'rotatePartnerCredentials',
    path: '/v1/partners/{id}/credentials',
    tag: 'Partners',
    roles: ['agency-admin'],
    summary: "Rotate a partner's Kafka password: the new one is answered this once, the old one stops working at once",
    params: IdParams,
    responses: {
      200: { description: 'the new Kafka access', schema: PartnerCredentials },
      403: { description: "another agency's partner", schema: Problem },
      404: { description: 'no such partner', schema: Problem },
      409: { description: 'the partner is terminated', schema: Problem },
      503: BROKER_NOT_ANSWERING,
    },
    async handle({ params, caller }, deps) {
      const profile = await deps.store.partner(params.id);
      if (!profile) throw notFound(`no partner ${params.id}`);
      await ownPartner(caller!, params.id, deps);
      if (profile.status === 'terminated') {
        throw new ApiProblem(
          409,
          'Partner terminated',
          `${params.id} is terminated; reinstate it (PATCH status active) before it gets credentials again`,
          { code: 'PARTNER.TERMINATED' },
        );
      }
      return { status: 200, body: { kafka: await deps.partners.rotateCredentials(params.id) } };
    },
  }),
  route({
    method: 'get',
    operationId: 'listPartners',
    path: '/v1/partners',
    tag: 'Partners',
    roles: ['agency-admin', 'auditor'],
    summary: 'Every partner with its status',
    responses: { 200: { description: 'the partners', schema: PartnerProfile.array() } },
    async handle(_input, deps) {
      return { status: 200, body: await deps.store.partners() };
    },
  }),
  route({
    method: 'get',
    operationId: 'getPartner',
    path: '/v1/partners/{id}',
    tag: 'Partners',
    roles: ['agency-admin', 'auditor', 'partner'],
    summary: "A partner's profile (a partner reads only its own)",
    params: IdParams,
    responses: {
      200: { description: 'the profile', schema: PartnerProfile },
      403: { description: "another partner's", schema: Problem },
      404: { description: 'no such partner', schema: Problem },
    },
    async handle({ params, caller }, deps) {
      mayRead(caller!, params.id);
      const profile = await deps.store.partner(params.id);
      if (!profile) throw notFound(`no partner ${params.id}`);
      return { status: 200, body: profile };
    },
  }),
  route({
    method: 'patch',
    operationId: 'changePartnerStatus',
    path: '/v1/partners/{id}',
    tag: 'Partners',
    roles: ['agency-admin'],
    summary:
      'Suspend, reinstate or terminate a partner; a suspended partner gets no new tasks and its open tasks move to others',
    params: IdParams,
    body: PartnerChange,
    responses: {
      200: { description: 'changed', schema: PartnerChanged },
      403: { description: "another agency's partner", schema: Problem },
      404: { description: 'no such partner', schema: Problem },
      503: BROKER_NOT_ANSWERING,
    },
    async handle({ params, body, caller }, deps) {
      const profile = await deps.store.partner(params.id);
      if (!profile) throw notFound(`no partner ${params.id}`);
      await ownPartner(caller!, params.id, deps);
      const changed = { ...profile, status: body.status };
      const { moved } = await deps.partners.changeStatus(changed, body.reason);
      await deps.store.savePartner(changed, deps.now?.() ?? new Date());
      return { status: 200, body: { profile: changed, moved } };
    },
  }),
  route({
    method: 'get',
    operationId: 'getPartnerScorecard',
    path: '/v1/partners/{id}/scorecard',
    tag: 'Audit',
    roles: ['agency-admin', 'auditor', 'partner'],
    summary: "A partner's scorecards, one per task type, over an optional window",
    params: IdParams,
    query: ScorecardQuery,
    responses: {
      200: { description: 'the scorecards', schema: PartnerScorecard.array() },
      403: { description: "another partner's", schema: Problem },
    },
    async handle({ params, query, caller }, deps) {
      mayRead(caller!, params.id);
      const cards = await deps.audit.scorecards(windowOf(query));
      return { status: 200, body: cards.filter((c) => c.partnerId === params.id) };
    },
  }),
  route({
    method: 'get',
    operationId: 'listScorecards',
    path: '/v1/scorecards',
    tag: 'Audit',
    roles: ['agency-admin', 'auditor'],
    summary: 'Every partner scorecard, over an optional window',
    query: ScorecardQuery,
    responses: { 200: { description: 'the scorecards', schema: PartnerScorecard.array() } },
    async handle({ query }, deps) {
      return { status: 200, body: await deps.audit.scorecards(windowOf(query)) };
    },
  }),
];
