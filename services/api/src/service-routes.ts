import { validateServiceDefinition } from '@govmesh/contracts/validate-service-definition';

import {
  DefinitionBody,
  IdParams,
  Problem,
  SERVICE_DEFINITION_DOCUMENT,
  ServiceDetail,
  ServiceSummary,
  VersionParams,
} from './api-schemas.js';
import { ApiProblem, forbidden, notFound } from './problems.js';
import { route, type RouteSpec } from './route-spec.js';
import type { ServiceVersion } from './platform-store.js';

/** 403 naming the owner: the agency in the caller's token is not the one that owns the service. */
function notYourService(id: string, owner: string, agency: string): ApiProblem {
  return new ApiProblem(403, "Another agency's service", `${id} is owned by ${owner}; your token acts for ${agency}`, {
    code: 'AUTH.NOT_OWNER',
    errors: [{ path: 'body.ownerAgency', message: `must be ${agency}, the agency your token acts for` }],
  });
}

const summary = (v: ServiceVersion) => ({
  id: v.definition.id,
  version: v.definition.version,
  title: v.definition.title,
  ownerAgency: v.definition.ownerAgency,
  publishedAt: v.publishedAt,
});

/** Agencies publish service definitions; anyone may read the catalogue. */
export const serviceRoutes: RouteSpec[] = [
  route({
    method: 'put',
    operationId: 'publishService',
    path: '/v1/services/{id}',
    tag: 'Agencies',
    roles: ['agency-admin'],
    summary: 'Publish a new version of a service definition (every problem is reported at once)',
    params: IdParams,
    body: DefinitionBody,
    bodyDocument: SERVICE_DEFINITION_DOCUMENT,
    responses: {
      201: { description: 'published', schema: ServiceSummary },
      403: { description: "another agency's service, or a token that names no agency", schema: Problem },
      409: { description: 'that version exists', schema: Problem },
      422: { description: 'the definition has problems', schema: Problem },
    },
    handle({ params, body, caller }, deps) {
      // An administrator acts for one agency: it publishes that agency's services and no other's.
      const agency = caller!.agency;
      if (!agency)
        throw forbidden(
          'your token names no agency (claim govmesh_agency); an administrator publishes only for the agency it acts for',
        );
      const owner = deps.store.serviceVersions(params.id).at(-1)?.definition.ownerAgency;
      if (owner !== undefined && owner !== agency) throw notYourService(params.id, owner, agency);
      const report = validateServiceDefinition(body);
      if (!report.valid || !report.definition) {
        const errors = report.problems.map((p) => ({
          path: p.step ? `body.steps.${p.step}` : 'body',
          message: `${p.message} [${p.rule}]`,
        }));
        throw new ApiProblem(
          422,
          'The definition has problems',
          `${errors.length} problem(s): ${errors.map((e) => e.message).join('; ')}`,
          { code: 'DEFINITION.INVALID', errors },
        );
      }
      const definition = report.definition;
      if (definition.ownerAgency !== agency) throw notYourService(params.id, definition.ownerAgency, agency);
      if (definition.id !== params.id)
        throw new ApiProblem(
          422,
          'The definition has problems',
          `the body's id ${definition.id} is not the id in the path, ${params.id}`,
          { code: 'DEFINITION.ID_MISMATCH', errors: [{ path: 'body.id', message: `must be ${params.id}` }] },
        );
      const latest = deps.store.serviceVersions(params.id).at(-1);
      if (latest && latest.definition.version >= definition.version) {
        throw new ApiProblem(
          409,
          'Version already published',
          `${params.id} is at version ${latest.definition.version}; publish version ${latest.definition.version + 1} or later`,
          { code: 'DEFINITION.VERSION_EXISTS' },
        );
      }
      const at = deps.now?.() ?? new Date();
      deps.store.publishService(definition, caller!.subject, at);
      return Promise.resolve({
        status: 201,
        body: summary({ definition, publishedAt: at.toISOString(), publishedBy: caller!.subject }),
      });
    },
  }),
  route({
    method: 'get',
    operationId: 'listServices',
    path: '/v1/services',
    tag: 'Public',
    roles: 'public',
    summary: 'The catalogue: the latest version of every service',
    responses: { 200: { description: 'the services', schema: ServiceSummary.array() } },
    handle(_input, deps) {
      return Promise.resolve({ status: 200, body: deps.store.latestServices().map(summary) });
    },
  }),
  route({
    method: 'get',
    operationId: 'getService',
    path: '/v1/services/{id}',
    tag: 'Public',
    roles: 'public',
    summary: 'A service: its latest definition and the list of its versions',
    params: IdParams,
    responses: {
      200: { description: 'the service', schema: ServiceDetail },
      404: { description: 'no such service', schema: Problem },
    },
    handle({ params }, deps) {
      const versions = deps.store.serviceVersions(params.id);
      const latest = versions.at(-1);
      if (!latest) throw notFound(`no service ${params.id}`);
      return Promise.resolve({
        status: 200,
        body: {
          ...summary(latest),
          definition: latest.definition,
          versions: versions.map((v) => ({
            version: v.definition.version,
            publishedAt: v.publishedAt,
            publishedBy: v.publishedBy,
          })),
        },
      });
    },
  }),
  route({
    method: 'get',
    operationId: 'getServiceVersion',
    path: '/v1/services/{id}/versions/{version}',
    tag: 'Public',
    roles: 'public',
    summary: 'One version of a service definition',
    params: VersionParams,
    responses: {
      200: { description: 'the definition', schema: DefinitionBody },
      404: { description: 'no such version', schema: Problem },
    },
    handle({ params }, deps) {
      const found = deps.store.serviceVersions(params.id).find((v) => v.definition.version === params.version);
      if (!found) throw notFound(`no version ${params.version} of service ${params.id}`);
      return Promise.resolve({ status: 200, body: found.definition });
    },
  }),
];
