import { randomUUID } from 'node:crypto';

import { RATING_WINDOW_DAYS, ratingClosesAt } from '@govmesh/contracts/domain-events';
import { schemaErrors, withoutUndeclared, type SchemaError } from '@govmesh/contracts/schema-validator';
import type { CaseState } from '@govmesh/workflows/case-api';

import {
  CASE_NOT_ANSWERING,
  CaseAccepted,
  CaseView,
  CitizenInputBody,
  IdParams,
  MyCase,
  Problem,
  RatingBody,
  SubmitCase,
  WithdrawalBody,
} from './api-schemas.js';
import type { Caller } from '@govmesh/tokens';
import { pinnedContracts } from './case-contracts.js';
import type { CaseRecord } from './platform-store.js';
import { liveVersion } from './service-lifecycle.js';
import { ApiProblem, actingAgency, notFound, notYourService } from './problems.js';
import { route, type ApiDeps, type RouteSpec } from './route-spec.js';

const words = (id: string) => id.replace(/-/g, ' ');

/** A 400 naming every field of the application that breaks the form, by path. */
function invalidApplication(problems: readonly SchemaError[]): ApiProblem {
  // The rule and its parameters too, so a page can say it in its reader's language.
  const errors = problems.map((p) => ({
    path: ['body.application', p.path].filter(Boolean).join('.'),
    message: p.message,
    ...(p.rule ? { rule: p.rule, params: { ...p.params } } : {}),
  }));
  return new ApiProblem(400, 'Invalid request', errors.map((e) => `${e.path}: ${e.message}`).join('; '), {
    code: 'REQUEST.INVALID',
    errors,
  });
}

/** What the case is doing now, as its applicant should read it: no partner, officer or code names. */
export function currentStep(
  state: CaseState,
): { stepId: string; status: string; says: string; deadline?: string; delayed?: true } | null {
  const step = Object.values(state.steps).find((s) => !['pending', 'completed', 'skipped'].includes(s.status));
  if (!step) return null;
  // The agency's own system did not take the step up in time; an officer is doing it instead.
  if (step.agencyDelayed && step.status === 'awaiting-officer')
    return {
      stepId: step.id,
      status: step.status,
      says: `Delayed: the agency's systems did not take up ${words(step.id)}; an officer is doing it`,
      delayed: true,
      ...(step.deadline ? { deadline: step.deadline } : {}),
    };
  const says =
    {
      running: `In progress: ${words(step.id)}`,
      'awaiting-partner': `Being carried out on the agency's behalf: ${words(step.id)}`,
      'awaiting-review': `An officer is checking the result of: ${words(step.id)}`,
      'awaiting-officer': `An officer is deciding: ${words(step.id)}`,
      'awaiting-citizen': 'We are waiting for information from you',
      failed: `Could not be completed: ${words(step.id)}`,
    }[step.status as string] ?? `In progress: ${words(step.id)}`;
  return { stepId: step.id, status: step.status, says, ...(step.deadline ? { deadline: step.deadline } : {}) };
}

/** A citizen sees only their own cases; officers, auditors and agency administrators see any. */
export async function caseFor(caller: Caller, caseId: string, deps: ApiDeps): Promise<CaseRecord> {
  const record = await deps.store.case(caseId);
  if (!record) throw notFound(`no case ${caseId}`);
  if (caller.role === 'citizen' && record.citizen !== caller.subject) throw notFound(`no case ${caseId}`);
  if (record.erased)
    throw new ApiProblem(
      410,
      'Case erased',
      `case ${caseId}'s personal data was erased on ${record.erased.at} (${record.erased.reason === 'retention' ? "the service's retention for closed cases ended" : 'an approved erasure request'}); its audit trail remains`,
      { code: 'CASE.ERASED' },
    );
  return record;
}

/**
 * Until when the applicant may rate the service of a case that has ended (RATING_WINDOW_DAYS after
 * its end); undefined while it runs, or when Temporal no longer says when it ended.
 */
async function ratingOpenUntil(record: CaseRecord, state: CaseState, deps: ApiDeps): Promise<Date | undefined> {
  if (state.status === 'running') return undefined;
  const ended = record.closedAt ? new Date(record.closedAt) : await deps.cases.endedAt(record.caseId);
  return ended && ratingClosesAt(ended);
}

async function stateOf(caseId: string, deps: ApiDeps): Promise<CaseState> {
  const state = await deps.cases.state(caseId);
  if (!state) throw notFound(`case ${caseId} is not running in this deployment`);
  if (state.status !== 'running') await deps.store.closeCase(caseId);
  return state;
}

/** Each case as a list shows it: its status and current step from Temporal (closed ones noted in the store). */
async function caseSummaries(records: readonly CaseRecord[], deps: ApiDeps) {
  const cases = await Promise.all(
    records.map(async (record) => {
      const base = {
        caseId: record.caseId,
        serviceId: record.serviceId,
        serviceVersion: record.serviceVersion,
        submittedAt: record.submittedAt,
      };
      if (record.erased) return { ...base, status: 'erased' as const, currentStep: null };
      const state = await deps.cases.state(record.caseId);
      if (!state) return null;
      if (state.status !== 'running') await deps.store.closeCase(record.caseId);
      return {
        ...base,
        status: state.status,
        ...(state.decision ? { decision: state.decision } : {}),
        currentStep: state.status === 'running' ? currentStep(state) : null,
      };
    }),
  );
  return cases.filter((c) => c !== null);
}

/** How many of a citizen's cases "my cases" shows: the latest, each asked of Temporal for its state. */
export const MY_CASES_LIMIT = 50;

export const caseRoutes: RouteSpec[] = [
  route({
    method: 'get',
    operationId: 'listMyCases',
    path: '/v1/cases',
    tag: 'Citizens',
    roles: ['citizen'],
    summary: `The caller's own cases, newest first (the ${MY_CASES_LIMIT} latest), each with its status and current step`,
    responses: { 200: { description: 'the cases', schema: MyCase.array() } },
    async handle({ caller }, deps) {
      const records = (await deps.store.casesOf(caller!.subject)).reverse().slice(0, MY_CASES_LIMIT);
      return { status: 200, body: await caseSummaries(records, deps) };
    },
  }),
  route({
    method: 'get',
    operationId: 'listLiveCasesOfService',
    path: '/v1/services/{id}/cases',
    tag: 'Agencies',
    roles: ['agency-admin'],
    summary: `The running cases of one of the caller's agency's services, newest first (the ${MY_CASES_LIMIT} latest), with their current step; no applicant named`,
    params: IdParams,
    responses: {
      200: { description: 'the running cases', schema: MyCase.array() },
      403: { description: "another agency's service", schema: Problem },
      404: { description: 'no such service', schema: Problem },
    },
    async handle({ params, caller }, deps) {
      const agency = actingAgency(caller, 'reads cases');
      const latest = (await deps.store.serviceVersions(params.id)).at(-1);
      if (!latest) throw notFound(`no service ${params.id}`);
      if (latest.definition.ownerAgency !== agency)
        throw notYourService(params.id, latest.definition.ownerAgency, agency);
      const records = await deps.store.openCasesOfService(params.id, MY_CASES_LIMIT);
      const cases = await caseSummaries(records, deps);
      return { status: 200, body: cases.filter((c) => c.status === 'running') };
    },
  }),
  route({
    method: 'post',
    operationId: 'submitApplication',
    path: '/v1/cases',
    tag: 'Citizens',
    roles: ['citizen'],
    summary: 'Apply for a service. With an Idempotency-Key header, a retried submission returns the same case.',
    body: SubmitCase,
    responses: {
      202: { description: 'accepted; the case runs', schema: CaseAccepted },
      400: { description: 'the application does not match the service', schema: Problem },
      404: { description: 'no such service', schema: Problem },
    },
    async handle({ body, caller, header }, deps) {
      const key = header('idempotency-key');
      if (key !== undefined && !/^[\x21-\x7e]{1,200}$/.test(key))
        throw new ApiProblem(400, 'Invalid request', 'header.Idempotency-Key: 1 to 200 visible ASCII characters', {
          code: 'REQUEST.INVALID',
          errors: [{ path: 'header.Idempotency-Key', message: '1 to 200 visible ASCII characters' }],
        });
      const versions = await deps.store.serviceVersions(body.serviceId);
      if (!versions.length) throw notFound(`no service ${body.serviceId}`);
      const service = liveVersion(versions);
      if (!service)
        throw new ApiProblem(
          409,
          'Service retired',
          `${body.serviceId} takes no new applications: every version is retired`,
          {
            code: 'SERVICE.RETIRED',
          },
        );
      // The revisions the version was published with; refused when one is past its sunset.
      const contracts = await pinnedContracts(service, deps);
      const problems = schemaErrors(contracts.application.schema, body.application);
      if (problems.length) throw invalidApplication(problems);
      const now = deps.now?.() ?? new Date();
      const caseId = deps.newCaseId?.() ?? `${body.serviceId}-${randomUUID()}`;
      const { record, created } = await deps.store.openCase(
        {
          caseId,
          serviceId: body.serviceId,
          serviceVersion: service.definition.version,
          citizen: caller!.subject,
          submittedAt: now.toISOString(),
        },
        key,
      );
      // Started on every submission, the retry of one whose start failed included: the start is
      // idempotent on the case id, so a 202 always means a running (or finished) case.
      const started = created ? service : versions.find((v) => v.definition.version === record.serviceVersion);
      if (started)
        await deps.cases.start(
          record.caseId,
          started.definition,
          withoutUndeclared(contracts.application.schema, body.application) as Record<string, unknown>,
          started === service ? contracts : await pinnedContracts(started, deps),
        );
      if (created) deps.metrics?.casesSubmitted.inc({ service: body.serviceId });
      return {
        status: 202,
        body: {
          caseId: record.caseId,
          serviceId: record.serviceId,
          serviceVersion: record.serviceVersion,
          status: 'submitted',
        },
      };
    },
  }),
  route({
    method: 'get',
    operationId: 'getCase',
    path: '/v1/cases/{id}',
    tag: 'Citizens',
    roles: ['citizen', 'officer', 'auditor', 'agency-admin'],
    summary: 'A case: its status, the current step in plain words, its deadline and its timeline',
    params: IdParams,
    responses: {
      200: { description: 'the case', schema: CaseView },
      404: { description: 'no such case (or not yours)', schema: Problem },
      410: { description: 'its personal data was erased (retention or request)', schema: Problem },
    },
    async handle({ params, caller }, deps) {
      const record = await caseFor(caller!, params.id, deps);
      const state = await stateOf(record.caseId, deps);
      const [timeline, ratingUntil] = await Promise.all([
        deps.audit.citizenTimeline(record.caseId),
        ratingOpenUntil(record, state, deps),
      ]);
      return {
        status: 200,
        body: {
          caseId: record.caseId,
          serviceId: record.serviceId,
          serviceVersion: record.serviceVersion,
          status: state.status,
          ...(state.decision ? { decision: state.decision } : {}),
          currentStep: state.status === 'running' ? currentStep(state) : null,
          deadline: state.deadline ?? null,
          ...(state.deadline
            ? { deadlineStatus: state.deadlineBreached ? 'breached' : state.deadlinePaused ? 'paused' : 'running' }
            : {}),
          ...(ratingUntil ? { ratingOpenUntil: ratingUntil.toISOString() } : {}),
          timeline,
        },
      };
    },
  }),
  route({
    method: 'post',
    operationId: 'provideCitizenInput',
    path: '/v1/cases/{id}/input',
    tag: 'Citizens',
    roles: ['citizen'],
    summary: 'Supply the information a case asked for (checked against the application schema)',
    params: IdParams,
    body: CitizenInputBody,
    responses: {
      202: { description: 'accepted' },
      404: { description: 'no such case', schema: Problem },
      409: { description: 'the case is not waiting for this', schema: Problem },
      422: { description: 'the values are invalid', schema: Problem },
      503: CASE_NOT_ANSWERING,
    },
    async handle({ params, body, caller }, deps) {
      await caseFor(caller!, params.id, deps);
      await deps.cases.provideInput(params.id, { stepId: body.stepId, values: body.values });
      return { status: 202, body: { accepted: true } };
    },
  }),
  route({
    method: 'post',
    operationId: 'withdrawApplication',
    path: '/v1/cases/{id}/withdrawal',
    tag: 'Citizens',
    roles: ['citizen'],
    summary:
      'Withdraw an application while its case runs: it stops, its partners are told to stop (CASE.CLOSED), and it ends withdrawn',
    params: IdParams,
    body: WithdrawalBody,
    responses: {
      202: { description: 'withdrawn; the case ends' },
      404: { description: 'no such case (or not yours)', schema: Problem },
      409: { description: 'the case has ended, or is being withdrawn already', schema: Problem },
      503: CASE_NOT_ANSWERING,
    },
    async handle({ params, body, caller }, deps) {
      await caseFor(caller!, params.id, deps);
      await deps.cases.withdraw(params.id, { withdrawnBy: caller!.subject, reason: body.reason });
      deps.logger.info({ caseId: params.id }, 'application withdrawn');
      return { status: 202, body: { accepted: true } };
    },
  }),
  route({
    method: 'post',
    operationId: 'rateCase',
    path: '/v1/cases/{id}/rating',
    tag: 'Citizens',
    roles: ['citizen'],
    summary: `Rate the service once the case has ended (1 to 5), within ${RATING_WINDOW_DAYS} days of its end`,
    params: IdParams,
    body: RatingBody,
    responses: {
      201: { description: 'recorded' },
      404: { description: 'no such case', schema: Problem },
      409: { description: 'still running, rated already, or its rating window has closed', schema: Problem },
    },
    async handle({ params, body, caller }, deps) {
      const record = await caseFor(caller!, params.id, deps);
      const state = await stateOf(params.id, deps);
      if (state.status === 'running')
        throw new ApiProblem(409, 'Case still running', 'a case can be rated once it has ended', {
          code: 'CASE.STILL_RUNNING',
        });
      const now = deps.now?.() ?? new Date();
      const until = await ratingOpenUntil(record, state, deps);
      if (until && now > until)
        throw new ApiProblem(
          409,
          'Rating closed',
          `a case can be rated within ${RATING_WINDOW_DAYS} days of its end; ratings for this case closed on ${until.toISOString()}`,
          { code: 'CASE.RATING_CLOSED' },
        );
      if (!(await deps.store.rate(params.id, body.score, now)))
        throw new ApiProblem(409, 'Rated already', 'this case has been rated', { code: 'CASE.RATED' });
      await deps.events.satisfactionRated(params.id, body.score);
      return { status: 201, body: { recorded: true } };
    },
  }),
];
