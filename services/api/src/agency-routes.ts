import { AgencyOffer, AnnouncedOffer } from '@govmesh/contracts/agency-offer';
import { Agency } from '@govmesh/contracts/service-definition';
import { z } from 'zod';

import { Problem } from './api-schemas.js';
import { actingAgency, ApiProblem } from './problems.js';
import { route, type RouteSpec } from './route-spec.js';

const AgencyParams = z.object({ agency: Agency.describe('the agency, as definitions name it in run: { agency }') });

/**
 * What each agency's workers offer. An agency's worker (`@govmesh/agency-sdk`) announces its
 * activities as the agency, and only as that agency; publishing checks definitions against them.
 */
export const agencyRoutes: RouteSpec[] = [
  route({
    method: 'put',
    operationId: 'announceAgencyOffer',
    path: '/v1/agencies/{agency}/offer',
    tag: 'Agencies',
    roles: ['agency-admin'],
    summary: "Announce the activities an agency's workers run (replaces the agency's previous offer)",
    params: AgencyParams,
    body: AgencyOffer,
    responses: {
      200: { description: 'the offer as kept', schema: AnnouncedOffer },
      403: { description: "another agency's offer, or a token that names no agency", schema: Problem },
      422: { description: 'the offer has problems', schema: Problem },
    },
    async handle({ params, body, caller }, deps) {
      const agency = actingAgency(caller, 'announces activities');
      if (agency !== params.agency)
        throw new ApiProblem(
          403,
          "Another agency's offer",
          `your token acts for ${agency}; only ${params.agency}'s workers announce what ${params.agency} offers`,
          { code: 'AUTH.NOT_OWNER', errors: [{ path: 'params.agency', message: `must be ${agency}` }] },
        );
      const kept = await deps.store.saveAgencyOffer(agency, body, caller!.subject, deps.now?.() ?? new Date());
      return { status: 200, body: kept };
    },
  }),
  route({
    method: 'get',
    operationId: 'listAgencyOffers',
    path: '/v1/agencies',
    tag: 'Agencies',
    roles: ['agency-admin', 'auditor'],
    summary: "What every agency's workers offer, as the definitions are checked against it",
    responses: { 200: { description: 'the offers, by agency', schema: z.array(AnnouncedOffer) } },
    async handle(_request, deps) {
      return { status: 200, body: await deps.store.agencyOffers() };
    },
  }),
];
