import { AuditEntry, IdParams, Problem, VerifyResult } from './api-schemas.js';
import { DEFAULT_SMALL_COUNT, PublicServiceFigures, publicFigures } from './public-figures.js';
import { notFound } from './problems.js';
import { route, type RouteSpec } from './route-spec.js';

export const auditRoutes: RouteSpec[] = [
  route({
    method: 'get',
    operationId: 'getCaseAuditTrail',
    path: '/v1/cases/{id}/audit',
    tag: 'Audit',
    roles: ['auditor', 'agency-admin'],
    summary: 'Every recorded event of a case, in order, with its actor and hash',
    params: IdParams,
    responses: {
      200: { description: 'the timeline', schema: AuditEntry.array() },
      404: { description: 'nothing recorded for this case', schema: Problem },
    },
    async handle({ params }, deps) {
      const timeline = await deps.audit.auditTimeline(params.id);
      if (timeline.length === 0) throw notFound(`the ledger holds nothing for case ${params.id}`);
      return { status: 200, body: timeline };
    },
  }),
  route({
    method: 'get',
    operationId: 'verifyLedger',
    path: '/v1/audit/verify',
    tag: 'Audit',
    roles: ['auditor', 'agency-admin'],
    summary: 'Recompute the hash chain and check the signed checkpoints',
    responses: { 200: { description: 'the verdict (ok false names the first broken record)', schema: VerifyResult } },
    async handle(_input, deps) {
      return { status: 200, body: await deps.audit.verify() };
    },
  }),
  route({
    method: 'get',
    operationId: 'getTransparencyFigures',
    path: '/v1/transparency',
    tag: 'Public',
    roles: 'public',
    summary:
      'Per service, anonymized: cases received and completed, on-time share, median processing time, satisfaction; small counts withheld (null)',
    responses: { 200: { description: 'the figures', schema: PublicServiceFigures.array() } },
    async handle(_input, deps) {
      const below = deps.smallCountThreshold ?? DEFAULT_SMALL_COUNT;
      return { status: 200, body: (await deps.audit.transparency()).map((f) => publicFigures(f, below)) };
    },
  }),
];
