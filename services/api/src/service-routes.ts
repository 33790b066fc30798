import type { ContractPins } from '@govmesh/contracts/standards';
import { validateServiceDefinition } from '@govmesh/contracts/validate-service-definition';
import type { ServiceDefinition } from '@govmesh/contracts/service-definition';
import { z } from 'zod';

import {
  DefinitionBody,
  IdParams,
  Problem,
  PublishedService,
  SERVICE_DEFINITION_DOCUMENT,
  ServiceDetail,
  ServiceSummary,
  VersionParams,
} from './api-schemas.js';
import { actingAgency, ApiProblem, notFound, notYourService } from './problems.js';
import { route, today, type RouteSpec } from './route-spec.js';
import { offeredActivities, type PlatformStore, type ServiceVersion } from './platform-store.js';
import { partnerTaskRefs } from './case-contracts.js';
import { liveVersion } from './service-lifecycle.js';

const summary = (v: ServiceVersion, live?: ServiceVersion) => ({
  id: v.definition.id,
  version: v.definition.version,
  title: v.definition.title,
  ownerAgency: v.definition.ownerAgency,
  publishedAt: v.publishedAt,
  status: v.status,
  // The version new cases start on; null when every version is retired.
  liveVersion: live?.definition.version ?? null,
});

/** The exact revisions a definition uses now: its form's and each task type's latest. */
async function pinsFor(definition: ServiceDefinition, store: PlatformStore): Promise<ContractPins> {
  const latest = (list: ReadonlyArray<{ name: string; major: number; revision: number }>, ref: string) =>
    list.find((c) => `${c.name}@${c.major}` === ref)!.revision;
  const forms = await store.latestForms();
  const taskTypes = await store.latestTaskTypes();
  return {
    application: { ref: definition.application.schema, revision: latest(forms, definition.application.schema) },
    taskTypes: Object.fromEntries(partnerTaskRefs(definition.steps).map((ref) => [ref, latest(taskTypes, ref)])),
  };
}

const PublishQuery = z.object({
  notYetDeployed: z
    .string()
    .regex(/^[a-z][a-z0-9-]*(,[a-z][a-z0-9-]*)*$/, 'agencies, comma-separated, such as public-security,border-control')
    .optional()
    .describe(
      "agencies whose workers are not running yet, accepted knowingly: their activities are warned about instead of refused, and their cases wait for them (or the step's fallback)",
    ),
});

const VersionChange = z.object({
  status: z
    .enum(['active', 'deprecated', 'retired'])
    .describe('active: takes new cases; deprecated: only when no version is active; retired: takes none'),
  reason: z.string().min(5, 'say why, in a few words').max(2000),
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
    query: PublishQuery,
    body: DefinitionBody,
    bodyDocument: SERVICE_DEFINITION_DOCUMENT,
    responses: {
      201: { description: 'published', schema: PublishedService },
      403: { description: "another agency's service, or a token that names no agency", schema: Problem },
      409: { description: 'that version exists', schema: Problem },
      422: { description: 'the definition has problems', schema: Problem },
    },
    async handle({ params, query, body, caller }, deps) {
      const agency = actingAgency(caller, 'publishes services');
      const owner = (await deps.store.serviceVersions(params.id)).at(-1)?.definition.ownerAgency;
      if (owner !== undefined && owner !== agency) throw notYourService(params.id, owner, agency, 'body.ownerAgency');
      const report = validateServiceDefinition(body, {
        contracts: await deps.store.contracts(),
        today: today(deps),
        // Every run and compensate must name what an agency's workers offer (issue: a typo waited for ever).
        agencyOffers: await offeredActivities(deps.store),
        notYetDeployed: query.notYetDeployed?.split(',') ?? [],
        ...(deps.caseHistoryRetentionDays !== undefined
          ? { caseHistoryRetentionDays: deps.caseHistoryRetentionDays }
          : {}),
      });
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
      if (definition.ownerAgency !== agency)
        throw notYourService(params.id, definition.ownerAgency, agency, 'body.ownerAgency');
      if (definition.id !== params.id)
        throw new ApiProblem(
          422,
          'The definition has problems',
          `the body's id ${definition.id} is not the id in the path, ${params.id}`,
          { code: 'DEFINITION.ID_MISMATCH', errors: [{ path: 'body.id', message: `must be ${params.id}` }] },
        );
      const latest = (await deps.store.serviceVersions(params.id)).at(-1);
      if (latest && latest.definition.version >= definition.version) {
        throw new ApiProblem(
          409,
          'Version already published',
          `${params.id} is at version ${latest.definition.version}; publish version ${latest.definition.version + 1} or later`,
          { code: 'DEFINITION.VERSION_EXISTS' },
        );
      }
      const at = deps.now?.() ?? new Date();
      // The exact revisions it uses, for every case of this version, whatever is published later.
      const pins = await pinsFor(definition, deps.store);
      await deps.store.publishService(definition, caller!.subject, at, pins);
      const published = await deps.store.serviceVersions(params.id);
      return {
        status: 201,
        body: {
          ...summary(published.at(-1)!, liveVersion(published)),
          contracts: pins,
          warnings: report.warnings.map((w) => ({
            path: w.step
              ? `body.steps.${w.step}`
              : w.rule === 'retention-beyond-history'
                ? 'body.retention.closedCases.days'
                : 'body.application.schema',
            message: `${w.message} [${w.rule}]`,
          })),
        },
      };
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
    async handle(_input, deps) {
      return {
        status: 200,
        body: await Promise.all(
          (await deps.store.latestServices()).map(async (v) =>
            summary(v, liveVersion(await deps.store.serviceVersions(v.definition.id))),
          ),
        ),
      };
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
    async handle({ params }, deps) {
      const versions = await deps.store.serviceVersions(params.id);
      const latest = versions.at(-1);
      if (!latest) throw notFound(`no service ${params.id}`);
      return {
        status: 200,
        body: {
          ...summary(latest, liveVersion(versions)),
          definition: latest.definition,
          versions: versions.map((v) => ({
            version: v.definition.version,
            status: v.status,
            publishedAt: v.publishedAt,
            publishedBy: v.publishedBy,
            ...(v.pins ? { contracts: v.pins } : {}),
          })),
        },
      };
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
    async handle({ params }, deps) {
      const found = (await deps.store.serviceVersions(params.id)).find((v) => v.definition.version === params.version);
      if (!found) throw notFound(`no version ${params.version} of service ${params.id}`);
      return { status: 200, body: found.definition };
    },
  }),
  route({
    method: 'patch',
    operationId: 'changeServiceVersion',
    path: '/v1/services/{id}/versions/{version}',
    tag: 'Agencies',
    roles: ['agency-admin'],
    summary:
      'Deprecate, retire or reactivate a version: new cases take the latest active version; running cases finish on theirs',
    params: VersionParams,
    body: VersionChange,
    responses: {
      200: { description: 'changed', schema: ServiceSummary },
      403: { description: "another agency's service", schema: Problem },
      404: { description: 'no such version', schema: Problem },
    },
    async handle({ params, body, caller }, deps) {
      const agency = actingAgency(caller, 'changes services');
      const versions = await deps.store.serviceVersions(params.id);
      const found = versions.find((v) => v.definition.version === params.version);
      if (!found) throw notFound(`no version ${params.version} of service ${params.id}`);
      if (found.definition.ownerAgency !== agency)
        throw notYourService(params.id, found.definition.ownerAgency, agency);
      await deps.store.setServiceVersionStatus(params.id, params.version, body.status);
      deps.logger.info(
        { serviceId: params.id, version: params.version, status: body.status, reason: body.reason },
        'service version changed',
      );
      const after = await deps.store.serviceVersions(params.id);
      const changed = after.find((v) => v.definition.version === params.version)!;
      return { status: 200, body: summary(changed, liveVersion(after)) };
    },
  }),
];
