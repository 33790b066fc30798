import { asyncApiDocument } from '@govmesh/contracts/export';
import {
  deprecationStatus,
  FormPublication,
  TaskTypePublication,
  nextFormRevision,
  nextTaskTypeRevision,
  type FormRevision,
  type PublishRefusal,
  type TaskTypeRevision,
} from '@govmesh/contracts/standards';
import { z } from 'zod';

import { Problem } from './api-schemas.js';
import { actingAgency, ApiProblem, notFound } from './problems.js';
import { route, today, type ApiDeps, type RouteSpec } from './route-spec.js';

/**
 * The contract registry: agencies publish task types and application forms at run time; each
 * accepted publish is a new, immutable revision of `name@major`, under the compatibility gate.
 * Anyone may read them (they are the standards partners and citizens code against).
 */

const Name = z
  .string()
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'a contract name is kebab-case, e.g. background-check')
  .describe('the task type or form, e.g. background-check');
const Major = z.coerce.number().int().min(1).describe('the major version partners and definitions code against');
const MajorParams = z.object({ name: Name, major: Major });
const RevisionParams = MajorParams.extend({
  revision: z.coerce.number().int().min(1).describe('a revision of the major, from 1'),
});
const RefParams = z.object({
  ref: z
    .string()
    .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*@[1-9]\d*$/, 'name@major, e.g. background-check@1')
    .describe('the contract, name@major'),
});

const SchemaJson = z.record(z.string(), z.unknown());
const DeprecationView = z.object({ replacedBy: z.string(), sunset: z.string() });
const RevisionSummary = z.object({ revision: z.number().int(), publishedAt: z.string(), publishedBy: z.string() });
const Lifecycle = z
  .enum(['current', 'deprecated', 'past-sunset'])
  .describe('current; deprecated (served until its sunset); past-sunset (no new definition or case may use it)');
const RevisionCommon = {
  ref: z.string(),
  name: z.string(),
  major: z.number().int(),
  revision: z.number().int(),
  title: z.string(),
  ownerAgency: z.string(),
  deprecation: DeprecationView.optional(),
  lifecycle: Lifecycle,
  publishedAt: z.string(),
  publishedBy: z.string(),
};
export const TaskTypeView = z.object({ ...RevisionCommon, input: SchemaJson, output: SchemaJson });
export const FormView = z.object({
  ...RevisionCommon,
  schema: SchemaJson,
  ui: z.object({ order: z.array(z.string()), fields: z.record(z.string(), z.unknown()) }),
});
const WithRevisions = { revisions: z.array(RevisionSummary) };
const Summary = z.object({
  ref: z.string(),
  title: z.string(),
  ownerAgency: z.string(),
  revision: z.number().int(),
  lifecycle: Lifecycle,
  deprecation: DeprecationView.optional(),
});
/** Taken loosely: the gate names every problem at once; the document shows the full shape. */
const Publication = z.record(z.string(), z.unknown());
const document = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

function view<T extends TaskTypeRevision | FormRevision>(r: T, deps: ApiDeps) {
  return { ref: `${r.name}@${r.major}`, ...r, lifecycle: deprecationStatus(r.deprecation, today(deps)) };
}

function summary(r: TaskTypeRevision | FormRevision, deps: ApiDeps) {
  return {
    ref: `${r.name}@${r.major}`,
    title: r.title,
    ownerAgency: r.ownerAgency,
    revision: r.revision,
    lifecycle: deprecationStatus(r.deprecation, today(deps)),
    ...(r.deprecation ? { deprecation: r.deprecation } : {}),
  };
}

/** 422 (the body), 403 (not the owner) or 409 CONTRACT.INCOMPATIBLE (breaks the major), with every problem. */
function refusal(ref: string, out: PublishRefusal): ApiProblem {
  const errors = out.problems.map((p) => ({ path: p.path, message: `${p.message} [${p.rule}]` }));
  const list = errors.map((e) => e.message).join('; ');
  if (out.kind === 'not-owner')
    return new ApiProblem(403, "Another agency's contract", list, { code: 'AUTH.NOT_OWNER', errors });
  if (out.kind === 'incompatible')
    return new ApiProblem(
      409,
      'The revision breaks the major',
      `${ref}: ${errors.length} change(s) would break partners coded against it; publish it as a new major instead: ${list}`,
      { code: 'CONTRACT.INCOMPATIBLE', errors },
    );
  return new ApiProblem(422, 'The contract has problems', `${errors.length} problem(s): ${list}`, {
    code: 'CONTRACT.INVALID',
    errors,
  });
}

const publishResponses = (what: string) => ({
  200: { description: `the same ${what} as the latest revision: nothing new was stored` },
  201: { description: 'published as a new revision' },
  403: { description: "another agency's contract, or a token that names no agency", schema: Problem },
  409: { description: 'the revision would break partners of the major (CONTRACT.INCOMPATIBLE)', schema: Problem },
  422: { description: 'not a valid publication (every problem by path)', schema: Problem },
});

export const contractRoutes: RouteSpec[] = [
  route({
    method: 'put',
    operationId: 'publishTaskType',
    path: '/v1/task-types/{name}/{major}',
    tag: 'Agencies',
    roles: ['agency-admin'],
    summary:
      'Publish a revision of a task type (input and output as JSON Schema 2020-12), under the compatibility gate',
    params: MajorParams,
    body: Publication,
    bodyDocument: document(TaskTypePublication),
    responses: { ...publishResponses('task type'), 201: { description: 'published', schema: TaskTypeView } },
    async handle({ params, body, caller }, deps) {
      const agency = actingAgency(caller, 'publishes contracts');
      const ref = `${params.name}@${params.major}`;
      const out = nextTaskTypeRevision({
        ...params,
        body,
        agency,
        by: caller!.subject,
        at: deps.now?.() ?? new Date(),
        latest: (await deps.store.taskTypeRevisions(params.name, params.major)).at(-1),
      });
      if (!out.ok) throw refusal(ref, out);
      if (!out.unchanged) await deps.store.saveTaskTypeRevision(out.revision);
      // From now on this process's logs redact the fields the revision marks personal.
      deps.personalData?.learn(out.revision.input);
      deps.personalData?.learn(out.revision.output);
      deps.logger.info(
        { ref, revision: out.revision.revision, agency, unchanged: out.unchanged },
        'task type published',
      );
      return { status: out.unchanged ? 200 : 201, body: view(out.revision, deps) };
    },
  }),
  route({
    method: 'get',
    operationId: 'listTaskTypes',
    path: '/v1/task-types',
    tag: 'Public',
    roles: 'public',
    summary: 'Every task type major with its latest revision and where it is in its lifecycle',
    responses: { 200: { description: 'the task types', schema: Summary.array() } },
    async handle(_input, deps) {
      return { status: 200, body: (await deps.store.latestTaskTypes()).map((r) => summary(r, deps)) };
    },
  }),
  route({
    method: 'get',
    operationId: 'getTaskType',
    path: '/v1/task-types/{name}/{major}',
    tag: 'Public',
    roles: 'public',
    summary: "A task type major's latest revision, with the list of its revisions",
    params: MajorParams,
    responses: {
      200: { description: 'the latest revision', schema: TaskTypeView.extend(WithRevisions) },
      404: { description: 'no such task type', schema: Problem },
    },
    async handle({ params }, deps) {
      const all = await deps.store.taskTypeRevisions(params.name, params.major);
      const latest = all.at(-1);
      if (!latest) throw notFound(`no task type ${params.name}@${params.major}`);
      return { status: 200, body: { ...view(latest, deps), revisions: all.map(revisionSummary) } };
    },
  }),
  route({
    method: 'get',
    operationId: 'getTaskTypeRevision',
    path: '/v1/task-types/{name}/{major}/revisions/{revision}',
    tag: 'Public',
    roles: 'public',
    summary: 'One revision of a task type, as it was published (revisions never change)',
    params: RevisionParams,
    responses: {
      200: { description: 'the revision', schema: TaskTypeView },
      404: { description: 'no such revision', schema: Problem },
    },
    async handle({ params }, deps) {
      const found = (await deps.store.taskTypeRevisions(params.name, params.major)).find(
        (r) => r.revision === params.revision,
      );
      if (!found) throw notFound(`no revision ${params.revision} of task type ${params.name}@${params.major}`);
      return { status: 200, body: view(found, deps) };
    },
  }),
  route({
    method: 'put',
    operationId: 'publishForm',
    path: '/v1/forms/{name}/{major}',
    tag: 'Agencies',
    roles: ['agency-admin'],
    summary: 'Publish a revision of an application form (JSON Schema 2020-12 and its labels in en and zh-CN)',
    params: MajorParams,
    body: Publication,
    bodyDocument: document(FormPublication),
    responses: { ...publishResponses('form'), 201: { description: 'published', schema: FormView } },
    async handle({ params, body, caller }, deps) {
      const agency = actingAgency(caller, 'publishes contracts');
      const ref = `${params.name}@${params.major}`;
      const out = nextFormRevision({
        ...params,
        body,
        agency,
        by: caller!.subject,
        at: deps.now?.() ?? new Date(),
        latest: (await deps.store.formRevisions(params.name, params.major)).at(-1),
      });
      if (!out.ok) throw refusal(ref, out);
      if (!out.unchanged) await deps.store.saveFormRevision(out.revision);
      deps.personalData?.learn(out.revision.schema);
      deps.logger.info({ ref, revision: out.revision.revision, agency, unchanged: out.unchanged }, 'form published');
      return { status: out.unchanged ? 200 : 201, body: view(out.revision, deps) };
    },
  }),
  route({
    method: 'get',
    operationId: 'listForms',
    path: '/v1/forms',
    tag: 'Public',
    roles: 'public',
    summary: 'Every application form major with its latest revision',
    responses: { 200: { description: 'the forms', schema: Summary.array() } },
    async handle(_input, deps) {
      return { status: 200, body: (await deps.store.latestForms()).map((r) => summary(r, deps)) };
    },
  }),
  route({
    method: 'get',
    operationId: 'getForm',
    path: '/v1/forms/{name}/{major}',
    tag: 'Public',
    roles: 'public',
    summary: "A form major's latest revision (schema and labels), with the list of its revisions",
    params: MajorParams,
    responses: {
      200: { description: 'the latest revision', schema: FormView.extend(WithRevisions) },
      404: { description: 'no such form', schema: Problem },
    },
    async handle({ params }, deps) {
      const all = await deps.store.formRevisions(params.name, params.major);
      const latest = all.at(-1);
      if (!latest) throw notFound(`no form ${params.name}@${params.major}`);
      return { status: 200, body: { ...view(latest, deps), revisions: all.map(revisionSummary) } };
    },
  }),
  route({
    method: 'get',
    operationId: 'getFormRevision',
    path: '/v1/forms/{name}/{major}/revisions/{revision}',
    tag: 'Public',
    roles: 'public',
    summary: 'One revision of a form, as it was published',
    params: RevisionParams,
    responses: {
      200: { description: 'the revision', schema: FormView },
      404: { description: 'no such revision', schema: Problem },
    },
    async handle({ params }, deps) {
      const found = (await deps.store.formRevisions(params.name, params.major)).find(
        (r) => r.revision === params.revision,
      );
      if (!found) throw notFound(`no revision ${params.revision} of form ${params.name}@${params.major}`);
      return { status: 200, body: view(found, deps) };
    },
  }),
  route({
    method: 'get',
    operationId: 'getAsyncApi',
    path: '/v1/contracts/asyncapi.json',
    tag: 'Public',
    roles: 'public',
    summary: "The AsyncAPI 3 document of govmesh's topics, with every published task type's input and output",
    responses: { 200: { description: 'the AsyncAPI document' } },
    async handle(_input, deps) {
      return { status: 200, body: asyncApiDocument(await deps.store.latestTaskTypes()) };
    },
  }),
  route({
    method: 'get',
    operationId: 'getTaskTypeInputSchema',
    path: '/v1/contracts/json-schema/task-types/{ref}/input.json',
    tag: 'Public',
    roles: 'public',
    summary: "A task type's input as JSON Schema 2020-12 (its latest revision), for partners' own validators",
    params: RefParams,
    responses: { 200: { description: 'the schema' }, 404: { description: 'no such task type', schema: Problem } },
    async handle({ params }, deps) {
      return { status: 200, body: (await latestTaskType(params.ref, deps)).input };
    },
  }),
  route({
    method: 'get',
    operationId: 'getTaskTypeOutputSchema',
    path: '/v1/contracts/json-schema/task-types/{ref}/output.json',
    tag: 'Public',
    roles: 'public',
    summary: "A task type's output as JSON Schema 2020-12 (its latest revision)",
    params: RefParams,
    responses: { 200: { description: 'the schema' }, 404: { description: 'no such task type', schema: Problem } },
    async handle({ params }, deps) {
      return { status: 200, body: (await latestTaskType(params.ref, deps)).output };
    },
  }),
  route({
    method: 'get',
    operationId: 'getFormSchema',
    path: '/v1/contracts/json-schema/forms/{ref}.json',
    tag: 'Public',
    roles: 'public',
    summary: "An application form's schema as JSON Schema 2020-12 (its latest revision)",
    params: RefParams,
    responses: { 200: { description: 'the schema' }, 404: { description: 'no such form', schema: Problem } },
    async handle({ params }, deps) {
      const [name, major] = params.ref.split('@') as [string, string];
      const form = (await deps.store.formRevisions(name, Number(major))).at(-1);
      if (!form) throw notFound(`no form ${params.ref}`);
      return { status: 200, body: form.schema };
    },
  }),
];

async function latestTaskType(ref: string, deps: ApiDeps): Promise<TaskTypeRevision> {
  const [name, major] = ref.split('@') as [string, string];
  const found = (await deps.store.taskTypeRevisions(name, Number(major))).at(-1);
  if (!found) throw notFound(`no task type ${ref}`);
  return found;
}

function revisionSummary(r: TaskTypeRevision | FormRevision) {
  return { revision: r.revision, publishedAt: r.publishedAt, publishedBy: r.publishedBy };
}
