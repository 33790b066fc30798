import { DOMAIN_EVENTS, RATING_WINDOW_DAYS } from '@govmesh/contracts/domain-events';
import {
  CaseBusy,
  CaseDataCodec,
  CaseRefused,
  CaseStillRunning,
  inboxPage,
  loadCaseDataKeys,
  sliceOfInbox,
} from '@govmesh/case-client';
import { KafkaUnreachable } from '@govmesh/messaging';
import { DefaultPayloadConverter } from '@temporalio/common';
import { createHash } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { LedgerVerdict } from '@govmesh/contracts/audit-record';
import type { PartnerScorecard } from '@govmesh/contracts/partner-scorecard';
import type { ServiceDefinition } from '@govmesh/contracts/service-definition';
import { seedForms, seedTaskTypes, type PinnedContracts } from '@govmesh/contracts/standards';
import {
  earliestDeadline,
  officerTasks,
  type CaseState,
  type CaseWithdrawal,
  type CitizenInput,
  type OfficerDecision,
  type OfficerTaskClaim,
  type OfficerTaskHold,
  type PartnerTaskRevocation,
} from '@govmesh/workflows/case-api';
import type { ErasureOrder, ErasureReport } from '@govmesh/workflows/case-erasure';
import { Validator } from '@seriousme/openapi-schema-validator';
import { pino } from 'pino';
import request from 'supertest';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { ROLES, type Role } from '@govmesh/tokens';
import { DevelopmentIssuer } from '@govmesh/tokens';
import { HttpAuditReader } from './adapters/http-audit-reader.js';
import { SqlitePlatformStore, type PlatformStore } from './platform-store.js';
import { type AuditReader, type CaseEngine, type PartnerRegistry } from './ports.js';
import { ROUTES, createServer } from './server.js';
import { sweepRetention } from './case-erasure.js';
import type { ApiDeps } from './route-spec.js';

const caseData = new CaseDataCodec(
  loadCaseDataKeys({ file: join(mkdtempSync(join(tmpdir(), 'govmesh-api-keys-')), 'case-keys.json') }),
);

const seedTaskType = (name: string) => {
  const { name: _n, major: _m, ...body } = seedTaskTypes().find((t) => t.name === name)!;
  return body;
};
const seedForm = (name: string) => {
  const { name: _n, major: _m, ...body } = seedForms().find((f) => f.name === name)!;
  return body;
};

/** supertest's bodies are untyped: read them through the shape these tests expect. */
type Body = {
  caseId: string;
  code: string;
  errors: Array<{ path: string; message: string }>;
  versions: unknown[];
  checks: Record<string, unknown>;
  [key: string]: unknown;
};
const body = (response: request.Response): Body => response.body as Body;
const example = (file: string) =>
  parse(readFileSync(new URL(`../../../examples/${file}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const application = {
  applicant: { name: 'Ada Lovelace', dateOfBirth: '1985-12-10', nationalId: 'NID-1', email: 'ada@example.org' },
  business: { name: 'Engine Works', address: '1 Analytical Way', activity: 'workshop' },
};
const profile = {
  id: 'acme-checks',
  name: 'Acme Checks',
  capabilities: ['background-check@1'],
  terms: { 'background-check@1': { deadline: { hours: 48 }, capacity: 5 } },
};

/**
 * The HTTP layer against ports that remember what they were asked: Temporal and Kafka stay out
 * of these tests (the end-to-end test in test/ drives the same server on the real engines).
 */
class RecordingCases implements CaseEngine {
  readonly states = new Map<string, CaseState>();
  readonly decisions: OfficerDecision[] = [];
  readonly inputs: CitizenInput[] = [];
  readonly revocations: PartnerTaskRevocation[] = [];
  /** The contract revisions each case was started with. */
  readonly contracts = new Map<string, PinnedContracts>();
  /** The next start fails as an unreachable Temporal would. */
  failNextStart = false;
  start(
    caseId: string,
    definition: ServiceDefinition,
    _application: unknown,
    contracts: PinnedContracts,
  ): Promise<void> {
    if (this.failNextStart) {
      this.failNextStart = false;
      return Promise.reject(new Error('14 UNAVAILABLE: connection refused'));
    }
    // Idempotent on the case id, as Temporal's start with REJECT_DUPLICATE is.
    if (this.states.has(caseId)) return Promise.resolve();
    this.contracts.set(caseId, contracts);
    this.states.set(caseId, {
      caseId,
      serviceId: definition.id,
      serviceVersion: definition.version,
      status: 'running',
      steps: {
        decision: {
          id: 'decision',
          mode: 'in-house',
          status: 'awaiting-officer',
          role: 'licensing-officer',
          deadline: '2026-12-01T10:00:00.000Z',
          taskVersion: 1,
        },
      },
    });
    return Promise.resolve();
  }
  state(caseId: string) {
    this.stateQueries += 1;
    return Promise.resolve(this.states.get(caseId));
  }
  readonly claims: OfficerTaskClaim[] = [];
  /** As the case does: a claim moves the task's version, and records who holds it in the state. */
  claim(caseId: string, c: OfficerTaskClaim): Promise<OfficerTaskHold> {
    const step = this.states.get(caseId)!.steps[c.stepId]!;
    if (c.version !== undefined && c.version !== step.taskVersion)
      return Promise.reject(new CaseRefused('CASE.TASK_CHANGED', `the task is at version ${step.taskVersion}`, []));
    if (c.action === 'claim' && step.claimedBy && step.claimedBy !== c.officerId)
      return Promise.reject(new CaseRefused('CASE.TASK_CLAIMED', `claimed by ${step.claimedBy}`, []));
    this.claims.push(c);
    step.taskVersion = (step.taskVersion ?? 1) + 1;
    if (c.action === 'claim') step.claimedBy = c.officerId;
    else delete step.claimedBy;
    return Promise.resolve({ version: step.taskVersion, claimedBy: step.claimedBy ?? null });
  }
  /** The next decision is refused as the case client does once a case stayed busy past its deadline. */
  busyNext = false;
  decide(caseId: string, d: OfficerDecision) {
    if (this.busyNext) {
      this.busyNext = false;
      return Promise.reject(new CaseBusy(caseId, 30_000));
    }
    // As the case refuses an officer's in-house work that its task type's contract refuses.
    if (d.output && 'clear' in d.output)
      return Promise.reject(
        new CaseRefused('CONTRACT.INVALID_OUTPUT', 'the output does not match income-verification@1 revision 1', [
          'output.confirmed: is required',
          'output.verifiedMonthlyNet: is required',
        ]),
      );
    this.decisions.push(d);
    return Promise.resolve();
  }
  provideInput(_caseId: string, input: CitizenInput) {
    if (
      'business.registrationNumber' in input.values &&
      typeof input.values['business.registrationNumber'] !== 'string'
    ) {
      return Promise.reject(
        new CaseRefused('CASE.INPUT_INVALID', 'invalid', ['business.registrationNumber: must be string']),
      );
    }
    this.inputs.push(input);
    return Promise.reject(
      new CaseRefused('CASE.NOT_AWAITING_INPUT', 'step registration is not waiting for citizen input', []),
    );
  }
  readonly withdrawals: Array<{ caseId: string } & CaseWithdrawal> = [];
  withdraw(caseId: string, w: CaseWithdrawal) {
    const state = this.states.get(caseId);
    if (state?.status !== 'running')
      return Promise.reject(
        new CaseRefused('CASE.NOT_RUNNING', 'the case has ended (completed): there is nothing to withdraw', []),
      );
    this.withdrawals.push({ caseId, ...w });
    state.status = 'withdrawn';
    return Promise.resolve();
  }
  /** Whether the cases keep their officer tasks in their memo (VISIBILITY_VERSION 2); older ones do not. */
  listsTasks = true;
  inboxQueries = 0;
  stateQueries = 0;
  /** As one visibility query answers: the running cases waiting for one of `roles`, with their memo's tasks. */
  officerInbox(roles: readonly string[]) {
    this.inboxQueries += 1;
    return Promise.resolve(
      [...this.states.values()]
        .filter((s) => s.status === 'running' && officerTasks(s).some((t) => roles.includes(t.role)))
        .map((s) => (this.listsTasks ? { caseId: s.caseId, tasks: officerTasks(s) } : { caseId: s.caseId })),
    );
  }
  /** A page of that, overdue cases first then newest first, paged as CaseClient pages (its cursor, ties and tokens). */
  async officerInboxPage(roles: readonly string[], page: { pageSize: number; pageToken?: string }, now: Date) {
    const order = [...this.states.keys()];
    // Started a second apart in the order they were opened.
    const startedAt = (caseId: string) =>
      `${new Date(order.indexOf(caseId) * 1000).toISOString().slice(0, 19)}.000000000Z`;
    const listed = (await this.officerInbox(roles)).map((c) => ({
      ...c,
      startedAt: startedAt(c.caseId),
      dueBy: earliestDeadline(officerTasks(this.states.get(c.caseId)!)),
    }));
    return inboxPage(
      (slice, limit) => Promise.resolve(sliceOfInbox(listed, slice, limit)),
      page.pageSize,
      page.pageToken,
      now,
    );
  }
  revoke(_caseId: string, r: PartnerTaskRevocation) {
    this.revocations.push(r);
    return Promise.resolve();
  }
  /** When each case closed, as Temporal's visibility would say. */
  readonly closedAt = new Map<string, Date>();
  endedAt(caseId: string) {
    return Promise.resolve(this.closedAt.get(caseId));
  }
  readonly erasures: ErasureOrder[] = [];
  /** The next erasure fails as an unreachable Temporal would. */
  failNextErasure = false;
  casesClosedSince(since: Date) {
    return Promise.resolve(
      [...this.closedAt]
        .filter(([, at]) => at >= since)
        .map(([caseId, closedAt]) => ({ caseId, closedAt }))
        .sort((a, b) => a.closedAt.getTime() - b.closedAt.getTime()),
    );
  }
  /** As the erasure workflow: refuses a running case; the history is gone afterwards. */
  erase(order: ErasureOrder): Promise<ErasureReport> {
    if (this.failNextErasure) {
      this.failNextErasure = false;
      return Promise.reject(new Error('14 UNAVAILABLE: connection refused'));
    }
    if (this.states.get(order.caseId)?.status === 'running') return Promise.reject(new CaseStillRunning(order.caseId));
    this.erasures.push(order);
    this.states.delete(order.caseId);
    return Promise.resolve({
      caseId: order.caseId,
      partnersTold: [...new Set(order.partnerTasks.map((t) => t.partnerId))],
      historyDeleted: true,
    });
  }
}

const card: PartnerScorecard = {
  partnerId: 'acme-checks',
  taskType: 'background-check@1',
  window: { from: null, to: null },
  assigned: 2,
  completedOnTime: 2,
  late: 0,
  revoked: 0,
  failed: 0,
  rejectedInvalid: 0,
  rejectedOther: 0,
  sentBackForRework: 0,
  turnaroundMs: { median: 1200, p95: 1500, samples: 2 },
  reviews: 0,
  reviewApprovalRate: null,
  satisfaction: { ratings: 0, average: null },
  onTimeRate: 1,
  validityRate: 1,
  score: 1,
};
const audit: AuditReader = {
  scorecards: () => Promise.resolve([card, { ...card, partnerId: 'other-co' }]),
  auditTimeline: (caseId) =>
    Promise.resolve(
      caseId === 'missing'
        ? []
        : [
            {
              seq: 1,
              time: '2026-11-23T10:00:00Z',
              type: DOMAIN_EVENTS.caseSubmitted.type,
              actor: { kind: 'citizen', id: 'applicant' },
              facts: { serviceId: 'business-licence' },
              hash: 'b'.repeat(64),
            },
            {
              seq: 2,
              time: '2026-11-23T10:00:01Z',
              type: DOMAIN_EVENTS.taskDispatched.type,
              actor: { kind: 'system', id: 'govmesh' },
              facts: { partnerId: 'acme-checks', taskId: `${caseId}:background-check`, attempt: 1 },
              hash: 'c'.repeat(64),
            },
          ],
    ),
  citizenTimeline: () => Promise.resolve([{ time: '2026-11-23T10:00:00Z', what: 'Your application was received' }]),
  verify: () =>
    Promise.resolve({
      ok: true,
      records: 1,
      firstBroken: null,
      reason: null,
      signedThrough: 1,
    } satisfies LedgerVerdict),
  transparency: () => Promise.resolve([]),
};

/** What the example definitions' agencies offer, as their workers would have announced it. */
async function withAgencyOffers(store: PlatformStore): Promise<PlatformStore> {
  const at = new Date();
  await store.saveAgencyOffer(
    'public-security',
    { activities: [{ name: 'verifyIdentity' }] },
    'public-security-systems',
    at,
  );
  await store.saveAgencyOffer(
    'social-security',
    { activities: [{ name: 'schedulePayments' }] },
    'social-security-systems',
    at,
  );
  return store;
}

describe('the govmesh HTTP API', () => {
  let tokens: DevelopmentIssuer;
  beforeAll(async () => {
    tokens = await DevelopmentIssuer.ephemeral();
  });
  let cases: RecordingCases;
  let onboarded: string[];
  let app: ReturnType<typeof createServer>;
  let deps: ApiDeps & { store: PlatformStore };
  /** The API's clock: retention counts from it. */
  let clock = new Date();
  let ids = 0;
  // Administrators act for market-regulation, which owns the business licence.
  const token = (
    role: Role,
    subject = `${role}-1`,
    officerRoles: string[] = role === 'officer' ? ['licensing-officer'] : [],
  ) =>
    tokens.mint({
      role,
      subject,
      officerRoles,
      ...(role === 'agency-admin' || role === 'officer' ? { agency: 'market-regulation' } : {}),
    });
  const as = async (role: Role, subject?: string) => `Bearer ${await token(role, subject)}`;

  beforeEach(async () => {
    clock = new Date();
    cases = new RecordingCases();
    onboarded = [];
    let issued = 0;
    const accessOf = (id: string) => ({
      brokers: ['kafka.example:9093'],
      mechanism: 'scram-sha-512' as const,
      username: `partner-${id}`,
      password: `secret-${++issued}`,
      tls: true,
    });
    const partners: PartnerRegistry = {
      onboard: (p) => (onboarded.push(p.id), Promise.resolve(accessOf(p.id))),
      rotateCredentials: (id) => Promise.resolve(accessOf(id)),
      changeStatus: () => Promise.resolve({ moved: ['case-1:background-check'] }),
    };
    deps = {
      store: await withAgencyOffers(new SqlitePlatformStore(':memory:')),
      cases,
      partners,
      audit,
      tokens: tokens.verifier(),
      developmentIssuer: tokens,
      logger: pino({ level: 'silent' }),
      events: { satisfactionRated: () => Promise.resolve() },
      readiness: {
        check: () => Promise.resolve({ kafka: { ok: true }, temporal: { ok: false, detail: 'no answer within 3 s' } }),
      },
      newCaseId: () => `case-${++ids}`,
      rateLimitPerMinute: 1000,
      caseData,
      now: () => clock,
      codecCorsOrigins: ['http://127.0.0.1:18233'],
    };
    app = createServer(deps);
    await request(app)
      .put('/v1/services/business-licence')
      .set('authorization', await as('agency-admin'))
      .send(example('business-licence.yaml'))
      .expect(201);
  });

  /** A business-licence application by `subject`: the id of its case. */
  const submit = async (subject: string) =>
    body(
      await request(app)
        .post('/v1/cases')
        .set('authorization', await as('citizen', subject))
        .send({ serviceId: 'business-licence', application })
        .expect(202),
    ).caseId;

  it("lists a citizen's own cases, newest first, with each one's status and step, and nobody else's", async () => {
    const first = await submit('citizen-a');
    await submit('citizen-b');
    clock = new Date(clock.getTime() + 1000);
    const second = await submit('citizen-a');
    cases.states.set(first, { ...cases.states.get(first)!, status: 'completed', decision: 'approved' });
    const mine = await request(app)
      .get('/v1/cases')
      .set('authorization', await as('citizen', 'citizen-a'))
      .expect(200);
    const listed = mine.body as Array<Record<string, unknown>>;
    expect(listed.map((c) => [c.caseId, c.status, c.decision])).toEqual([
      [second, 'running', undefined],
      [first, 'completed', 'approved'],
    ]);
    expect(listed[0]?.currentStep).toMatchObject({ stepId: 'decision', status: 'awaiting-officer' });
    expect(listed[1]?.currentStep).toBeNull();
    // Only citizens have "my cases": an officer's list is the inbox.
    await request(app)
      .get('/v1/cases')
      .set('authorization', await as('officer'))
      .expect(403);
    await request(app).get('/v1/cases').expect(401);
  });

  it("lets a citizen withdraw their own running case, with a reason, and nobody else's", async () => {
    const caseId = await submit('citizen-w');
    const path = `/v1/cases/${caseId}/withdrawal`;
    await request(app)
      .post(path)
      .set('authorization', await as('citizen', 'someone-else'))
      .send({ reason: 'mine now' })
      .expect(404);
    const noReason = await request(app)
      .post(path)
      .set('authorization', await as('citizen', 'citizen-w'))
      .send({ reason: ' ' })
      .expect(400);
    expect(body(noReason).errors).toEqual([{ path: 'body.reason', message: 'say why, in a few words' }]);
    await request(app)
      .post(path)
      .set('authorization', await as('citizen', 'citizen-w'))
      .send({ reason: 'I moved abroad' })
      .expect(202);
    expect(cases.withdrawals).toEqual([{ caseId, withdrawnBy: 'citizen-w', reason: 'I moved abroad' }]);
    const again = await request(app)
      .post(path)
      .set('authorization', await as('citizen', 'citizen-w'))
      .send({ reason: 'twice' })
      .expect(409);
    expect(body(again).code).toBe('CASE.NOT_RUNNING');
  });

  it("lists the running cases of an agency's own service, with no applicant named, and refuses another agency", async () => {
    const first = await submit('citizen-x');
    clock = new Date(clock.getTime() + 1000);
    const second = await submit('citizen-y');
    cases.states.set(first, { ...cases.states.get(first)!, status: 'completed', decision: 'approved' });
    const live = await request(app)
      .get('/v1/services/business-licence/cases')
      .set('authorization', await as('agency-admin'))
      .expect(200);
    const listed = live.body as Array<Record<string, unknown>>;
    expect(listed.map((c) => c.caseId)).toEqual([second]);
    expect(JSON.stringify(listed)).not.toContain('citizen-y');
    expect(listed[0]?.currentStep).toMatchObject({ stepId: 'decision', status: 'awaiting-officer' });
    // The completed one is noted closed: the next list does not ask Temporal about it again.
    expect((await deps.store.case(first))?.closed).toBe(true);
    const other = await request(app)
      .get('/v1/services/business-licence/cases')
      .set(
        'authorization',
        `Bearer ${await tokens.mint({ role: 'agency-admin', subject: 'tax-admin', agency: 'tax-office' })}`,
      )
      .expect(403);
    expect(body(other).code).toBe('AUTH.NOT_OWNER');
    await request(app)
      .get('/v1/services/no-such/cases')
      .set('authorization', await as('agency-admin'))
      .expect(404);
  });

  it('signs a person in through the development issuer: authorization code with PKCE, single use', async () => {
    const verifier = 'a'.repeat(20) + 'B'.repeat(23);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const discovery = await request(app).get('/.well-known/openid-configuration').expect(200);
    const metadata = discovery.body as Record<string, unknown>;
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.authorization_endpoint).toMatch(/\/authorize$/);
    expect(metadata.token_endpoint).toMatch(/\/token$/);
    const ask = {
      response_type: 'code',
      client_id: 'govmesh-web',
      redirect_uri: 'http://127.0.0.1:17284/sign-in/callback',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st-1',
    };
    const page = await request(app).get('/authorize').query(ask).expect(200);
    expect(page.text).toContain('development issuer');
    // Never back to another machine: the redirect URI itself is refused, not followed.
    const away = await request(app)
      .get('/authorize')
      .query({ ...ask, redirect_uri: 'https://evil.example/cb' })
      .expect(400);
    expect(away.text).toContain('redirect_uri: must be a http(s) address on this machine');
    const badName = await request(app)
      .post('/authorize')
      .type('form')
      .send({ ...ask, role: 'citizen', subject: 'Not A Name' })
      .expect(400);
    expect(badName.text).toContain('subject: lower-case letters');
    const signed = await request(app)
      .post('/authorize')
      .type('form')
      .send({
        ...ask,
        role: 'officer',
        subject: 'demo-officer-1',
        agency: 'market-regulation',
        officerRoles: 'licensing-officer, licensing-officer-supervisor',
      })
      .expect(303);
    const back = new URL(signed.headers.location as string);
    expect(`${back.origin}${back.pathname}`).toBe(ask.redirect_uri);
    expect(back.searchParams.get('state')).toBe('st-1');
    const code = back.searchParams.get('code')!;
    const exchange = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: ask.redirect_uri,
      client_id: 'govmesh-web',
    };
    const wrong = await request(app)
      .post('/token')
      .type('form')
      .send({ ...exchange, code_verifier: 'z'.repeat(43) })
      .expect(400);
    expect(wrong.body).toMatchObject({ error: 'invalid_grant' });
    // The failed try used the code up: a stolen code is worth one guess.
    const spent = await request(app)
      .post('/token')
      .type('form')
      .send({ ...exchange, code_verifier: verifier })
      .expect(400);
    expect(spent.body).toMatchObject({
      error: 'invalid_grant',
      error_description: 'the code is unknown, used or expired',
    });

    const again = await request(app)
      .post('/authorize')
      .type('form')
      .send({
        ...ask,
        role: 'officer',
        subject: 'demo-officer-1',
        agency: 'market-regulation',
        officerRoles: 'licensing-officer',
      });
    const code2 = new URL(again.headers.location as string).searchParams.get('code')!;
    const tokenResponse = await request(app)
      .post('/token')
      .type('form')
      .send({ ...exchange, code: code2, code_verifier: verifier })
      .expect(200);
    expect(tokenResponse.body).toMatchObject({ token_type: 'Bearer', expires_in: 8 * 3600 });
    const caller = await tokens.verifier().verify(body(tokenResponse).access_token as string);
    expect(caller).toEqual({
      role: 'officer',
      subject: 'demo-officer-1',
      officerRoles: ['licensing-officer'],
      agency: 'market-regulation',
    });
    // The token works on the API like any other.
    await request(app)
      .get('/v1/tasks')
      .set('authorization', `Bearer ${body(tokenResponse).access_token as string}`)
      .expect(200);
  });

  it('publishes a definition and lists its versions; a bad one is refused with every problem', async () => {
    const list = await request(app).get('/v1/services').expect(200);
    expect(list.body).toEqual([
      expect.objectContaining({ id: 'business-licence', version: 4, ownerAgency: 'market-regulation' }),
    ]);
    const again = await request(app)
      .put('/v1/services/business-licence')
      .set('authorization', await as('agency-admin'))
      .send(example('business-licence.yaml'))
      .expect(409);
    expect(again.body).toMatchObject({ status: 409, code: 'DEFINITION.VERSION_EXISTS' });
    const bad = await request(app)
      .put('/v1/services/business-licence')
      .set('authorization', await as('agency-admin'))
      .send(example('invalid/five-mistakes.yaml'))
      .expect(422);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(body(bad).errors).toHaveLength(5);
    const detail = await request(app).get('/v1/services/business-licence').expect(200);
    expect(body(detail).versions).toEqual([expect.objectContaining({ version: 4, publishedBy: 'agency-admin-1' })]);
    await request(app).get('/v1/services/business-licence/versions/4').expect(200);
    await request(app).get('/v1/services/business-licence/versions/9').expect(404);
  });

  it('answers a method a known path does not take with 405 and the methods it does take', async () => {
    const res = await request(app).delete('/v1/services/business-licence').expect(405);
    expect(res.headers.allow).toBe('PUT, GET, HEAD');
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(body(res)).toMatchObject({ status: 405, code: 'REQUEST.METHOD_NOT_ALLOWED' });
    await request(app).delete('/v1/no-such-thing').expect(404);
  });

  it('takes an application once per Idempotency-Key, and names every invalid field', async () => {
    const citizen = await as('citizen', 'citizen-ada');
    const first = await request(app)
      .post('/v1/cases')
      .set('authorization', citizen)
      .set('idempotency-key', 'k-1')
      .send({ serviceId: 'business-licence', application })
      .expect(202);
    const retry = await request(app)
      .post('/v1/cases')
      .set('authorization', citizen)
      .set('idempotency-key', 'k-1')
      .send({ serviceId: 'business-licence', application })
      .expect(202);
    expect(body(retry).caseId).toBe(body(first).caseId);
    expect(cases.states.size).toBe(1);
    const bad = await request(app)
      .post('/v1/cases')
      .set('authorization', citizen)
      .send({ serviceId: 'business-licence', application: { applicant: { name: '' } } })
      .expect(400);
    expect(body(bad).errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['body.application.applicant.name', 'body.application.business']),
    );
    await request(app)
      .post('/v1/cases')
      .set('authorization', citizen)
      .send({ serviceId: 'no-such-service', application })
      .expect(404);
  });

  it('starts the case on a retry whose first start failed: a 202 always means a running case', async () => {
    const citizen = await as('citizen', 'citizen-grace');
    cases.failNextStart = true;
    const failed = await request(app)
      .post('/v1/cases')
      .set('authorization', citizen)
      .set('idempotency-key', 'k-unlucky')
      .send({ serviceId: 'business-licence', application });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    const retry = await request(app)
      .post('/v1/cases')
      .set('authorization', citizen)
      .set('idempotency-key', 'k-unlucky')
      .send({ serviceId: 'business-licence', application })
      .expect(202);
    expect(cases.states.get(body(retry).caseId)?.status).toBe('running');
  });

  it("shows a citizen their own case in plain words, and nobody else's", async () => {
    const created = await request(app)
      .post('/v1/cases')
      .set('authorization', await as('citizen', 'citizen-ada'))
      .send({ serviceId: 'business-licence', application })
      .expect(202);
    const mine = await request(app)
      .get(`/v1/cases/${body(created).caseId}`)
      .set('authorization', await as('citizen', 'citizen-ada'))
      .expect(200);
    expect(mine.body).toMatchObject({
      status: 'running',
      currentStep: {
        stepId: 'decision',
        says: 'An officer is deciding: decision',
        deadline: '2026-12-01T10:00:00.000Z',
      },
      timeline: [{ what: 'Your application was received' }],
    });
    await request(app)
      .get(`/v1/cases/${body(created).caseId}`)
      .set('authorization', await as('citizen', 'citizen-bob'))
      .expect(404);
    // The agency's own system did not take the step up: the citizen reads that it is delayed.
    cases.states.get(body(created).caseId)!.steps.decision!.agencyDelayed = 'public-security';
    const delayed = await request(app)
      .get(`/v1/cases/${body(created).caseId}`)
      .set('authorization', await as('citizen', 'citizen-ada'))
      .expect(200);
    expect((delayed.body as { currentStep: unknown }).currentStep).toMatchObject({
      delayed: true,
      says: "Delayed: the agency's systems did not take up decision; an officer is doing it",
    });
  });

  it("gives an officer the inbox of their roles, and takes a decision in the task's role", async () => {
    const created = await request(app)
      .post('/v1/cases')
      .set('authorization', await as('citizen'))
      .send({ serviceId: 'business-licence', application })
      .expect(202);
    const inbox = await request(app)
      .get('/v1/tasks')
      .set('authorization', `Bearer ${await token('officer', 'officer-lin', ['licensing-officer'])}`)
      .expect(200);
    expect(inbox.body).toEqual([
      expect.objectContaining({
        taskId: `${body(created).caseId}:decision`,
        kind: 'officer',
        role: 'licensing-officer',
        deadline: '2026-12-01T10:00:00.000Z',
      }),
    ]);
    const other = await request(app)
      .get('/v1/tasks')
      .set('authorization', `Bearer ${await token('officer', 'officer-ina', ['inspector'])}`)
      .expect(200);
    expect(other.body).toEqual([]);
    // An officer of another agency sees none of market-regulation's tasks and may not decide them.
    const taxOfficer = `Bearer ${await tokens.mint({ role: 'officer', subject: 'officer-tax', officerRoles: ['licensing-officer'], agency: 'tax-office' })}`;
    expect((await request(app).get('/v1/tasks').set('authorization', taxOfficer).expect(200)).body).toEqual([]);
    const foreign = await request(app)
      .post(`/v1/tasks/${body(created).caseId}:decision/decision`)
      .set('authorization', taxOfficer)
      .send({ decision: 'approve' })
      .expect(403);
    expect(body(foreign).detail).toBe(
      `task ${body(created).caseId}:decision is a case of business-licence, owned by market-regulation; your token acts for tax-office`,
    );
    await request(app)
      .post(`/v1/tasks/${body(created).caseId}:decision/decision`)
      .set('authorization', `Bearer ${await token('officer', 'officer-ina', ['inspector'])}`)
      .send({ decision: 'approve' })
      .expect(403);
    await request(app)
      .post(`/v1/tasks/${body(created).caseId}:decision/decision`)
      .set('authorization', `Bearer ${await token('officer', 'officer-lin', ['licensing-officer'])}`)
      .send({ decision: 'approve', reasons: ['all in order'] })
      .expect(202);
    expect(cases.decisions).toEqual([
      {
        stepId: 'decision',
        officerId: 'officer-lin',
        role: 'licensing-officer',
        decision: 'approve',
        reasons: ['all in order'],
      },
    ]);
    const bad = await request(app)
      .post(`/v1/tasks/${body(created).caseId}:decision/decision`)
      .set('authorization', await as('officer'))
      .send({ decision: 'maybe' })
      .expect(400);
    expect(body(bad).errors[0]?.path).toBe('body.decision');
    // In-house work the task type's contract refuses: every problem, each with its path.
    const refused = await request(app)
      .post(`/v1/tasks/${body(created).caseId}:decision/decision`)
      .set('authorization', `Bearer ${await token('officer', 'officer-lin', ['licensing-officer'])}`)
      .send({ decision: 'approve', output: { clear: true } })
      .expect(422);
    expect(refused.body).toMatchObject({
      code: 'CONTRACT.INVALID_OUTPUT',
      errors: [
        { path: 'body.output.confirmed', message: 'is required' },
        { path: 'body.output.verifiedMonthlyNet', message: 'is required' },
      ],
    });
  });

  it('answers a decision that the case refused as busy past the deadline with 503 and Retry-After, and takes it when sent again', async () => {
    const created = await request(app)
      .post('/v1/cases')
      .set('authorization', await as('citizen'))
      .send({ serviceId: 'business-licence', application })
      .expect(202);
    const lin = `Bearer ${await token('officer', 'officer-lin', ['licensing-officer'])}`;
    const decision = () =>
      request(app)
        .post(`/v1/tasks/${body(created).caseId}:decision/decision`)
        .set('authorization', lin)
        .send({ decision: 'approve', reasons: ['all in order'] });
    cases.busyNext = true;
    const busy = await decision().expect(503);
    expect(busy.headers['retry-after']).toBe('5');
    expect(body(busy)).toMatchObject({ code: 'CASE.BUSY', status: 503 });
    expect(body(busy).detail).toMatch(/was busy for 30 s.*send it later/);
    expect(cases.decisions).toEqual([]);
    await decision().expect(202);
    expect(cases.decisions).toHaveLength(1);
  });

  it('pages a large inbox: overdue cases first, then newest first, each case once, the next page in the Link header', async () => {
    const lin = `Bearer ${await token('officer', 'officer-lin', ['licensing-officer'])}`;
    const opened: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const created = await request(app)
        .post('/v1/cases')
        .set('authorization', await as('citizen', `citizen-${i}`))
        .send({ serviceId: 'business-licence', application })
        .expect(202);
      opened.push(body(created).caseId);
    }
    // Two of them overdue, one with no deadline.
    const hours = [5, -1, 1, -2, undefined];
    opened.forEach((caseId, i) => {
      const decision = cases.states.get(caseId)!.steps.decision!;
      const h = hours[i];
      if (h === undefined) delete decision.deadline;
      else decision.deadline = new Date(clock.getTime() + h * 3_600_000).toISOString();
    });
    const seen: string[][] = [];
    let next: string | undefined = '/v1/tasks?pageSize=2';
    while (next) {
      const page: { body: unknown; headers: Record<string, string | undefined> } = await request(app)
        .get(next)
        .set('authorization', lin)
        .expect(200);
      seen.push((page.body as Array<{ caseId: string }>).map((t) => t.caseId));
      const link = page.headers.link;
      next = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1] : undefined;
    }
    // The overdue ones, then the rest (a case with no deadline among them), each newest first.
    expect(seen).toEqual([[opened[3], opened[1]], [opened[4], opened[2]], [opened[0]]]);
    // The whole inbox, without pageSize, is as before: oldest case first.
    const whole = await request(app).get('/v1/tasks').set('authorization', lin).expect(200);
    expect((whole.body as Array<{ caseId: string }>).map((t) => t.caseId)).toEqual(opened);
    // A token the inbox did not give, a page too large, a token without its page size: each named.
    const refused = await request(app)
      .get('/v1/tasks?pageSize=501&pageToken=not-a-token')
      .set('authorization', lin)
      .expect(400);
    expect((refused.body as { errors: Array<{ path: string }> }).errors.map((e) => e.path).sort()).toEqual([
      'query.pageSize',
      'query.pageToken',
    ]);
    const alone = await request(app).get('/v1/tasks?pageToken=not-a-token').set('authorization', lin).expect(400);
    expect((alone.body as { errors: Array<{ path: string }> }).errors.map((e) => e.path)).toContain('query.pageToken');
  });

  it('shows a task at its version, lets one officer claim it, and passes the version with the decision', async () => {
    const created = await request(app)
      .post('/v1/cases')
      .set('authorization', await as('citizen'))
      .send({ serviceId: 'business-licence', application })
      .expect(202);
    const taskId = `${body(created).caseId}:decision`;
    const lin = `Bearer ${await token('officer', 'officer-lin', ['licensing-officer'])}`;
    const may = `Bearer ${await token('officer', 'officer-may', ['licensing-officer'])}`;
    expect((await request(app).get(`/v1/tasks/${taskId}`).set('authorization', lin).expect(200)).body).toMatchObject({
      taskId,
      kind: 'officer',
      role: 'licensing-officer',
      version: 1,
    });
    const claimed = await request(app)
      .post(`/v1/tasks/${taskId}/claim`)
      .set('authorization', lin)
      .send({ version: 1 })
      .expect(200);
    expect(claimed.body).toEqual({ taskId, version: 2, claimedBy: 'officer-lin' });
    expect(cases.claims).toEqual([
      { stepId: 'decision', officerId: 'officer-lin', role: 'licensing-officer', action: 'claim', version: 1 },
    ]);
    // The inbox says who holds it.
    expect((await request(app).get('/v1/tasks').set('authorization', may).expect(200)).body).toEqual([
      expect.objectContaining({ taskId, version: 2, claimedBy: 'officer-lin' }),
    ]);
    const taken = await request(app).post(`/v1/tasks/${taskId}/claim`).set('authorization', may).send({}).expect(409);
    expect(body(taken)).toMatchObject({ code: 'CASE.TASK_CLAIMED' });
    // An inspector may not even look at a licensing officer's task.
    await request(app)
      .get(`/v1/tasks/${taskId}`)
      .set('authorization', `Bearer ${await token('officer', 'officer-ina', ['inspector'])}`)
      .expect(403);
    await request(app)
      .post(`/v1/tasks/${taskId}/decision`)
      .set('authorization', lin)
      .send({ decision: 'approve', version: 2 })
      .expect(202);
    expect(cases.decisions.at(-1)).toMatchObject({ officerId: 'officer-lin', version: 2 });
    const badVersion = await request(app)
      .post(`/v1/tasks/${taskId}/release`)
      .set('authorization', lin)
      .send({ version: 0 })
      .expect(400);
    expect(body(badVersion).errors[0]?.path).toBe('body.version');
  });

  it('lists the inbox from one visibility query, asking no case; a case too old to list its tasks is asked', async () => {
    const created = await request(app)
      .post('/v1/cases')
      .set('authorization', await as('citizen'))
      .send({ serviceId: 'business-licence', application })
      .expect(202);
    clock = new Date(clock.getTime() + 10 * 60_000); // past the index's lag: no longer a young case
    const [inboxBefore, statesBefore] = [cases.inboxQueries, cases.stateQueries];
    const listed = await request(app)
      .get('/v1/tasks')
      .set('authorization', await as('officer'))
      .expect(200);
    expect((listed.body as Array<{ taskId: string }>).map((t) => t.taskId)).toEqual([
      `${body(created).caseId}:decision`,
    ]);
    expect([cases.inboxQueries - inboxBefore, cases.stateQueries - statesBefore]).toEqual([1, 0]);
    // A case started before cases kept their tasks in the memo is asked, and shows the same.
    cases.listsTasks = false;
    const asked = await request(app)
      .get('/v1/tasks')
      .set('authorization', await as('officer'))
      .expect(200);
    expect(asked.body).toEqual(listed.body);
    expect(cases.stateQueries - statesBefore).toBe(1);
  });

  it('still shows a new case that the visibility index does not list yet', async () => {
    const created = await request(app)
      .post('/v1/cases')
      .set('authorization', await as('citizen'))
      .send({ serviceId: 'business-licence', application })
      .expect(202);
    // Temporal's index lags a fresh case.
    cases.officerInbox = () => Promise.resolve([]);
    const inbox = await request(app)
      .get('/v1/tasks')
      .set('authorization', await as('officer'))
      .expect(200);
    expect((inbox.body as Array<{ caseId: string }>).map((t) => t.caseId)).toEqual([body(created).caseId]);
  });

  it(`takes a rating within ${RATING_WINDOW_DAYS} days of the case's end, says until when, and refuses one later`, async () => {
    const DAY = 24 * 3600 * 1000;
    const ended = async (daysAgo: number) => {
      const created = await request(app)
        .post('/v1/cases')
        .set('authorization', await as('citizen'))
        .send({ serviceId: 'business-licence', application })
        .expect(202);
      const caseId = body(created).caseId;
      cases.states.get(caseId)!.status = 'completed';
      cases.closedAt.set(caseId, new Date(clock.getTime() - daysAgo * DAY));
      return caseId;
    };
    const recent = await ended(RATING_WINDOW_DAYS - 1);
    const view = await request(app)
      .get(`/v1/cases/${recent}`)
      .set('authorization', await as('citizen'))
      .expect(200);
    expect((view.body as { ratingOpenUntil: string }).ratingOpenUntil).toBe(
      new Date(clock.getTime() + DAY).toISOString(),
    );
    await request(app)
      .post(`/v1/cases/${recent}/rating`)
      .set('authorization', await as('citizen'))
      .send({ score: 4 })
      .expect(201);

    const old = await ended(RATING_WINDOW_DAYS + 1);
    const refused = await request(app)
      .post(`/v1/cases/${old}/rating`)
      .set('authorization', await as('citizen'))
      .send({ score: 4 })
      .expect(409);
    expect(refused.body).toMatchObject({
      code: 'CASE.RATING_CLOSED',
      detail: `a case can be rated within ${RATING_WINDOW_DAYS} days of its end; ratings for this case closed on ${new Date(clock.getTime() - DAY).toISOString()}`,
    });
    // A running case has no window yet.
    const running = await request(app)
      .post('/v1/cases')
      .set('authorization', await as('citizen'))
      .send({ serviceId: 'business-licence', application })
      .expect(202);
    const runningView = await request(app)
      .get(`/v1/cases/${body(running).caseId}`)
      .set('authorization', await as('citizen'))
      .expect(200);
    expect(runningView.body).not.toHaveProperty('ratingOpenUntil');
  });

  it("turns a case's refusals into problems with its code", async () => {
    const created = await request(app)
      .post('/v1/cases')
      .set('authorization', await as('citizen'))
      .send({ serviceId: 'business-licence', application })
      .expect(202);
    const invalid = await request(app)
      .post(`/v1/cases/${body(created).caseId}/input`)
      .set('authorization', await as('citizen'))
      .send({ stepId: 'registration', values: { 'business.registrationNumber': 7 } })
      .expect(422);
    expect(invalid.body).toMatchObject({
      code: 'CASE.INPUT_INVALID',
      errors: [{ path: 'body.values.business.registrationNumber', message: 'must be string' }],
    });
    const notWaiting = await request(app)
      .post(`/v1/cases/${body(created).caseId}/input`)
      .set('authorization', await as('citizen'))
      .send({ stepId: 'registration', values: { 'business.registrationNumber': 'ENT-1' } })
      .expect(409);
    expect(body(notWaiting).code).toBe('CASE.NOT_AWAITING_INPUT');
    await request(app)
      .post(`/v1/cases/${body(created).caseId}/rating`)
      .set('authorization', await as('citizen'))
      .send({ score: 5 })
      .expect(409);
    cases.states.get(body(created).caseId)!.status = 'completed';
    await request(app)
      .post(`/v1/cases/${body(created).caseId}/rating`)
      .set('authorization', await as('citizen'))
      .send({ score: 5 })
      .expect(201);
    await request(app)
      .post(`/v1/cases/${body(created).caseId}/rating`)
      .set('authorization', await as('citizen'))
      .send({ score: 4 })
      .expect(409);
  });

  it("lets an administrator publish only its own agency's services, naming the owner when it refuses", async () => {
    const taxOffice = `Bearer ${await tokens.mint({ role: 'agency-admin', subject: 'admin-tax', agency: 'tax-office' })}`;
    const next = { ...example('business-licence.yaml'), version: 5 };
    const foreign = await request(app)
      .put('/v1/services/business-licence')
      .set('authorization', taxOffice)
      .send(next)
      .expect(403);
    expect(body(foreign)).toMatchObject({
      code: 'AUTH.NOT_OWNER',
      detail: 'business-licence is owned by market-regulation; your token acts for tax-office',
    });
    // Nor by naming itself the owner of a service another agency published.
    await request(app)
      .put('/v1/services/business-licence')
      .set('authorization', taxOffice)
      .send({ ...next, ownerAgency: 'tax-office' })
      .expect(403);
    // A new service of another agency is refused too, with the field to correct.
    const other = await request(app)
      .put('/v1/services/market-stall')
      .set('authorization', taxOffice)
      .send({ ...next, id: 'market-stall' })
      .expect(403);
    expect(body(other).errors).toEqual([
      { path: 'body.ownerAgency', message: 'must be tax-office, the agency your token acts for' },
    ]);
    const nobody = `Bearer ${await tokens.mint({ role: 'agency-admin', subject: 'admin-x' })}`;
    expect(
      body(await request(app).put('/v1/services/business-licence').set('authorization', nobody).send(next).expect(403))
        .detail,
    ).toMatch(/names no agency/);
    await request(app)
      .put('/v1/services/business-licence')
      .set('authorization', await as('agency-admin'))
      .send(next)
      .expect(201);
  });

  it("keeps what each agency's workers announce, only from that agency, and refuses a definition naming what nobody offers", async () => {
    const borderControl = `Bearer ${await tokens.mint({ role: 'agency-admin', subject: 'border-systems', agency: 'border-control' })}`;
    const offer = { activities: [{ name: 'checkPassport', description: 'Reads the passport register.' }] };
    // Another agency cannot announce for border-control, nor can a token that names no agency.
    const foreign = await request(app)
      .put('/v1/agencies/border-control/offer')
      .set('authorization', await as('agency-admin'))
      .send(offer)
      .expect(403);
    expect(body(foreign)).toMatchObject({ code: 'AUTH.NOT_OWNER', errors: [{ path: 'params.agency' }] });
    // A bad offer is refused with every problem.
    const bad = await request(app)
      .put('/v1/agencies/border-control/offer')
      .set('authorization', borderControl)
      .send({ activities: [{ name: 'Check Passport' }, { name: 'checkVisa', output: 'yes' }] })
      .expect(400);
    expect(body(bad).errors.map((e: { path: string }) => e.path)).toEqual([
      'body.activities.0.name',
      'body.activities.1.output',
    ]);
    await request(app)
      .put('/v1/agencies/border-control/offer')
      .set('authorization', borderControl)
      .send(offer)
      .expect(200);
    const offers = await request(app)
      .get('/v1/agencies')
      .set('authorization', await as('auditor'))
      .expect(200);
    expect(offers.body).toContainEqual(
      expect.objectContaining({
        agency: 'border-control',
        announcedBy: 'border-systems',
        activities: offer.activities,
      }),
    );

    // The typo: a definition naming an agency and activity nobody offers.
    const typo = {
      ...example('business-licence.yaml'),
      version: 5,
      steps: (example('business-licence.yaml').steps as Array<Record<string, unknown>>).map((step) =>
        step.id === 'verify-identity'
          ? { ...step, run: { agency: 'public-securty', activity: 'verifyIdentityy' } }
          : step,
      ),
    };
    const refused = await request(app)
      .put('/v1/services/business-licence')
      .set('authorization', await as('agency-admin'))
      .send(typo)
      .expect(422);
    expect(body(refused).errors).toEqual([
      {
        path: 'body.steps.verify-identity',
        message:
          'step verify-identity: run names agency public-securty, whose workers offer nothing (agencies with workers: border-control, public-security, social-security); if it is not yet deployed, say so when publishing [unknown-agency-activity]',
      },
    ]);
    // An agency not yet deployed is accepted when the publisher says so, with a warning.
    const waiting = {
      ...typo,
      steps: typo.steps.map((step) =>
        step.id === 'verify-identity'
          ? { ...step, run: { agency: 'identity-office', activity: 'verifyIdentity' } }
          : step,
      ),
    };
    const accepted = await request(app)
      .put('/v1/services/business-licence?notYetDeployed=identity-office')
      .set('authorization', await as('agency-admin'))
      .send(waiting)
      .expect(201);
    expect(body(accepted).warnings).toContainEqual({
      path: 'body.steps.verify-identity',
      message:
        "step verify-identity: run names identity-office's verifyIdentity, which no worker offers yet; accepted as not yet deployed, its cases wait for it (or its fallback) until one does [agency-not-yet-deployed]",
    });
  });

  it('answers 503 with Retry-After when the broker cannot take a partner, and keeps nothing, so the same request can be sent again', async () => {
    const admin = await as('agency-admin');
    const onboard = deps.partners.onboard.bind(deps.partners);
    deps.partners.onboard = () =>
      Promise.reject(new KafkaUnreachable('change the SASL user partner-acme-checks', 10_000, new Error('no answer')));
    const refused = await request(app).post('/v1/partners').set('authorization', admin).send(profile).expect(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(body(refused)).toMatchObject({ code: 'KAFKA_UNREACHABLE', status: 503, instance: '/v1/partners' });
    expect(body(refused).detail).toMatch(/change the SASL user partner-acme-checks/);
    await request(app).get('/v1/partners/acme-checks').set('authorization', admin).expect(404);
    deps.partners.onboard = onboard;
    await request(app).post('/v1/partners').set('authorization', admin).send(profile).expect(201);
  });

  it('onboards and suspends partners; a partner reads only its own profile and scorecard', async () => {
    const admin = await as('agency-admin');
    const created = await request(app).post('/v1/partners').set('authorization', admin).send(profile).expect(201);
    expect(onboarded).toEqual(['acme-checks']);
    // The Kafka access is answered with the profile, once; reading the profile never shows it.
    expect(created.body).toMatchObject({
      id: 'acme-checks',
      kafka: {
        username: 'partner-acme-checks',
        password: 'secret-1',
        mechanism: 'scram-sha-512',
        brokers: ['kafka.example:9093'],
        tls: true,
      },
    });
    const read = await request(app).get('/v1/partners/acme-checks').set('authorization', admin).expect(200);
    expect(read.body).not.toHaveProperty('kafka');
    const rotated = await request(app)
      .post('/v1/partners/acme-checks/credentials')
      .set('authorization', admin)
      .expect(200);
    expect(rotated.body).toEqual({ kafka: expect.objectContaining({ password: 'secret-2' }) as unknown });
    await request(app)
      .post('/v1/partners/acme-checks/credentials')
      .set('authorization', await as('partner', 'acme-checks'))
      .expect(403);
    await request(app).post('/v1/partners/nobody/credentials').set('authorization', admin).expect(404);
    // Only the agency that contracted the partner manages it or sees its credentials.
    const taxOffice = `Bearer ${await tokens.mint({ role: 'agency-admin', subject: 'admin-tax', agency: 'tax-office' })}`;
    const foreign = await request(app)
      .post('/v1/partners/acme-checks/credentials')
      .set('authorization', taxOffice)
      .expect(403);
    expect(body(foreign)).toMatchObject({
      code: 'AUTH.NOT_OWNER',
      detail: 'acme-checks was contracted by market-regulation; your token acts for tax-office',
    });
    await request(app)
      .patch('/v1/partners/acme-checks')
      .set('authorization', taxOffice)
      .send({ status: 'terminated', reason: 'not ours to end' })
      .expect(403);
    const nobody = `Bearer ${await tokens.mint({ role: 'agency-admin', subject: 'admin-x' })}`;
    await request(app)
      .post('/v1/partners')
      .set('authorization', nobody)
      .send({ ...profile, id: 'stray-co' })
      .expect(403);
    await request(app).post('/v1/partners').set('authorization', admin).send(profile).expect(409);
    const bad = await request(app)
      .post('/v1/partners')
      .set('authorization', admin)
      .send({ ...profile, id: 'Bad Id', capabilities: [] })
      .expect(400);
    expect(body(bad).errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['body.id', 'body.capabilities']),
    );
    const suspended = await request(app)
      .patch('/v1/partners/acme-checks')
      .set('authorization', admin)
      .send({ status: 'suspended', reason: 'missed three deadlines' })
      .expect(200);
    expect(suspended.body).toEqual({
      profile: expect.objectContaining({ status: 'suspended' }) as unknown,
      moved: ['case-1:background-check'],
    });
    await request(app)
      .get('/v1/partners/acme-checks')
      .set('authorization', await as('partner', 'acme-checks'))
      .expect(200);
    await request(app)
      .get('/v1/partners/acme-checks')
      .set('authorization', await as('partner', 'other-co'))
      .expect(403);
    const own = await request(app)
      .get('/v1/partners/acme-checks/scorecard')
      .set('authorization', await as('partner', 'acme-checks'))
      .expect(200);
    expect((own.body as PartnerScorecard[]).map((c) => c.partnerId)).toEqual(['acme-checks']);
    await request(app)
      .get('/v1/partners/acme-checks/scorecard?since=yesterday')
      .set('authorization', admin)
      .expect(400);
  });

  it('answers health, readiness (naming the engine that is down), audit and transparency', async () => {
    await request(app).get('/healthz').expect(200);
    const ready = await request(app).get('/readyz').expect(503);
    expect(body(ready).checks.temporal).toEqual({ ok: false, detail: 'no answer within 3 s' });
    await request(app)
      .get('/v1/audit/verify')
      .set('authorization', await as('auditor'))
      .expect(200, { ok: true, records: 1, firstBroken: null, reason: null, signedThrough: 1 });
    await request(app)
      .get('/v1/cases/missing/audit')
      .set('authorization', await as('auditor'))
      .expect(404);
    await request(app).get('/v1/transparency').expect(200, []);
  });

  it('refuses what is not a well-formed request, with a problem document', async () => {
    const none = await request(app).get('/v1/scorecards').expect(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="govmesh"');
    expect(none.body).toMatchObject({ status: 401, code: 'AUTH.UNAUTHENTICATED', instance: '/v1/scorecards' });
    await request(app).get('/v1/scorecards').set('authorization', 'Bearer not-a-token').expect(401);
    // A token signed by any other key (a forged role, say) is refused, and so is an expired one.
    const forged = await (await DevelopmentIssuer.ephemeral()).mint({ role: 'auditor', subject: 'a' });
    expect(
      body(await request(app).get('/v1/scorecards').set('authorization', `Bearer ${forged}`).expect(401)).detail,
    ).toBe('the bearer token is not valid for this API');
    const expired = await tokens.mint({ role: 'auditor', subject: 'a' }, Math.floor(Date.now() / 1000) - 60);
    expect(
      body(await request(app).get('/v1/scorecards').set('authorization', `Bearer ${expired}`).expect(401)).detail,
    ).toBe('the token has expired');
    await request(app)
      .post('/v1/cases')
      .set('authorization', await as('citizen'))
      .set('content-type', 'application/json')
      .send('{"serviceId":')
      .expect(400);
    await request(app)
      .post('/v1/cases')
      .set('authorization', await as('citizen'))
      .send({ serviceId: 'x', application: { blob: 'a'.repeat(300_000) } })
      .expect(413);
    await request(app).get('/v1/nowhere').expect(404);
  });

  it("serves the development issuer's discovery document and public key, never the private one", async () => {
    const discovery = (await request(app).get('/.well-known/openid-configuration').expect(200)).body as {
      issuer: string;
      jwks_uri: string;
    };
    expect(discovery.issuer).toBe('urn:govmesh:development-issuer');
    expect(discovery.jwks_uri).toMatch(/\/jwks\.json$/);
    const jwks = (await request(app).get('/jwks.json').expect(200)).body as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  /** An API of its own for one test: no partner registry or engines behind it. */
  const standaloneDeps = async (
    overrides: Partial<Parameters<typeof createServer>[0]>,
  ): Promise<Parameters<typeof createServer>[0]> => ({
    store: await withAgencyOffers(new SqlitePlatformStore(':memory:')),
    cases,
    audit,
    tokens: tokens.verifier(),
    logger: pino({ level: 'silent' }),
    partners: {
      onboard: () => Promise.reject(new Error('unused')),
      rotateCredentials: () => Promise.reject(new Error('unused')),
      changeStatus: () => Promise.resolve({ moved: [] }),
    },
    events: { satisfactionRated: () => Promise.resolve() },
    readiness: { check: () => Promise.resolve({}) },
    ...overrides,
  });

  it('opens sealed case data for an auditor or officer (the Temporal codec protocol), and for nobody else', async () => {
    const converter = new DefaultPayloadConverter();
    const [sealed] = await caseData.encode([converter.toPayload({ applicant: { name: 'Ada Lovelace' } })]);
    const asJson = {
      metadata: Object.fromEntries(
        Object.entries(sealed!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(sealed!.data!).toString('base64'),
    };
    expect(Buffer.from(asJson.data, 'base64').toString('latin1')).not.toContain('Ada');
    const opened = await request(app)
      .post('/v1/codec/decode')
      .set('authorization', await as('auditor'))
      .set('x-namespace', 'default')
      .send({ payloads: [asJson] })
      .expect(200);
    const [payload] = (opened.body as { payloads: Array<{ metadata: Record<string, string>; data: string }> }).payloads;
    expect(Buffer.from(payload!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(payload!.data, 'base64').toString())).toEqual({
      applicant: { name: 'Ada Lovelace' },
    });
    await request(app)
      .post('/v1/codec/decode')
      .set('authorization', await as('citizen'))
      .send({ payloads: [asJson] })
      .expect(403);
    await request(app)
      .post('/v1/codec/decode')
      .send({ payloads: [asJson] })
      .expect(401);
    // Sealed under keys this deployment does not hold: refused, saying which key.
    const stranger = new CaseDataCodec(
      loadCaseDataKeys({ file: join(mkdtempSync(join(tmpdir(), 'govmesh-other-keys-')), 'case-keys.json') }),
    );
    const [foreign] = await stranger.encode([converter.toPayload('x')]);
    const refused = await request(app)
      .post('/v1/codec/decode')
      .set('authorization', await as('officer'))
      .send({
        payloads: [
          {
            metadata: Object.fromEntries(
              Object.entries(foreign!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
            ),
            data: Buffer.from(foreign!.data!).toString('base64'),
          },
        ],
      })
      .expect(422);
    expect(body(refused)).toMatchObject({ code: 'CASE_DATA.UNKNOWN_KEY' });
  });

  it("lets the Temporal UI's page call the codec endpoint from the browser, and no other page", async () => {
    const preflight = (origin: string) =>
      request(app)
        .options('/v1/codec/decode')
        .set('origin', origin)
        .set('access-control-request-method', 'POST')
        .set('access-control-request-headers', 'authorization,content-type,x-namespace');
    const ui = await preflight('http://127.0.0.1:18233').expect(204);
    expect(ui.headers['access-control-allow-origin']).toBe('http://127.0.0.1:18233');
    expect(ui.headers['access-control-allow-headers']).toBe('Authorization,Content-Type,X-Namespace');
    const elsewhere = await preflight('https://evil.example');
    expect(elsewhere.headers['access-control-allow-origin']).toBeUndefined();
    // The browser's call itself still needs an auditor's or officer's token.
    await request(app)
      .post('/v1/codec/decode')
      .set('origin', 'http://127.0.0.1:18233')
      .send({ payloads: [] })
      .expect(401);
  });

  describe('the contract registry', () => {
    const waterAnalysis = {
      title: 'Drinking-water sample analysis',
      ownerAgency: 'market-regulation',
      input: {
        type: 'object',
        properties: { business: { type: 'object', properties: { address: { type: 'string', minLength: 1 } } } },
        required: ['business'],
      },
      output: {
        type: 'object',
        properties: { potable: { type: 'boolean' }, sampledOn: { type: 'string', format: 'date' } },
        required: ['potable'],
      },
    };
    const admin = () => as('agency-admin');

    it('publishes a task type no code knew, counts compatible revisions, and refuses a breaking one with every change', async () => {
      const first = await request(app)
        .put('/v1/task-types/water-analysis/1')
        .set('authorization', await admin())
        .send(waterAnalysis)
        .expect(201);
      expect(first.body).toMatchObject({
        ref: 'water-analysis@1',
        revision: 1,
        lifecycle: 'current',
        publishedBy: 'agency-admin-1',
      });
      // The same body again stores nothing new.
      await request(app)
        .put('/v1/task-types/water-analysis/1')
        .set('authorization', await admin())
        .send(waterAnalysis)
        .expect(200);
      const compatible = structuredClone(waterAnalysis);
      (compatible.output.properties as Record<string, unknown>).lab = { type: 'string' };
      await request(app)
        .put('/v1/task-types/water-analysis/1')
        .set('authorization', await admin())
        .send(compatible)
        .expect(201);
      const breaking = structuredClone(compatible);
      breaking.output.required.push('sampledOn');
      delete (breaking.input.properties.business.properties as Record<string, unknown>).address;
      const refused = await request(app)
        .put('/v1/task-types/water-analysis/1')
        .set('authorization', await admin())
        .send(breaking)
        .expect(409);
      expect(body(refused).code).toBe('CONTRACT.INCOMPATIBLE');
      expect(
        body(refused)
          .errors.map((e) => e.path)
          .sort(),
      ).toEqual(['body.input.business.address', 'body.output.sampledOn']);
      const read = await request(app).get('/v1/task-types/water-analysis/1').expect(200);
      expect(read.body).toMatchObject({ revision: 2, revisions: [{ revision: 1 }, { revision: 2 }] });
      const r1 = await request(app).get('/v1/task-types/water-analysis/1/revisions/1').expect(200);
      expect((r1.body as { output: { properties: object } }).output.properties).not.toHaveProperty('lab');
      const schema = await request(app)
        .get('/v1/contracts/json-schema/task-types/water-analysis@1/output.json')
        .expect(200);
      expect(schema.body).toHaveProperty('properties.lab');
      const asyncapi = await request(app).get('/v1/contracts/asyncapi.json').expect(200);
      expect(asyncapi.body).toHaveProperty(['components', 'schemas', 'water-analysis.v1.output', 'properties', 'lab']);
    });

    it("refuses another agency's contract (403) and an invalid one with every problem by path (422), storing nothing", async () => {
      const other = `Bearer ${await tokens.mint({ role: 'agency-admin', subject: 'admin-tax', agency: 'tax-office' })}`;
      const notOwner = await request(app)
        .put('/v1/task-types/site-inspection/1')
        .set('authorization', other)
        .send(seedTaskType('site-inspection'))
        .expect(403);
      expect(body(notOwner)).toMatchObject({ code: 'AUTH.NOT_OWNER' });
      const invalid = await request(app)
        .put('/v1/forms/dog-licence-application/1')
        .set('authorization', await admin())
        .send({
          title: 'Dog licence',
          ownerAgency: 'market-regulation',
          schema: {
            type: 'object',
            properties: { dog: { type: 'object', properties: { name: { type: 'text' } }, if: {} } },
          },
          ui: { order: ['dog.breed'], fields: { 'dog.name': { label: { en: 'Name' } } } },
        })
        .expect(422);
      expect(body(invalid).code).toBe('CONTRACT.INVALID');
      expect(body(invalid).errors.map((e) => e.path)).toEqual(
        expect.arrayContaining([
          'body.schema.properties.dog.if',
          'body.schema.properties.dog.properties.name.type',
          'body.ui.fields.dog.name.label.zh-CN',
        ]),
      );
      await request(app).get('/v1/forms/dog-licence-application/1').expect(404);
    });

    it('pins the revisions a version uses: its cases carry them, whatever is published after', async () => {
      const detail = await request(app).get('/v1/services/business-licence').expect(200);
      expect((detail.body as { versions: Array<{ contracts: unknown }> }).versions[0]!.contracts).toEqual({
        application: { ref: 'business-licence-application@1', revision: 1 },
        taskTypes: { 'background-check@1': 1, 'certificate-delivery@1': 1, 'site-inspection@1': 1 },
      });
      const withPhotos = seedTaskType('site-inspection');
      (withPhotos.output as { properties: Record<string, unknown> }).properties.weather = { type: 'string' };
      await request(app)
        .put('/v1/task-types/site-inspection/1')
        .set('authorization', await admin())
        .send(withPhotos)
        .expect(201);
      const submitted = await request(app)
        .post('/v1/cases')
        .set('authorization', await as('citizen'))
        .send({ serviceId: 'business-licence', application })
        .expect(202);
      const pinned = cases.contracts.get(body(submitted).caseId)!;
      expect(pinned.taskTypes['site-inspection@1']!.revision).toBe(1);
      expect(pinned.taskTypes['site-inspection@1']!.output).not.toHaveProperty('properties.weather');
      expect(pinned.taskTypes['background-check@1']!.deprecation).toEqual({
        replacedBy: 'background-check@2',
        sunset: '2027-06-30',
      });
      expect(pinned.application).toMatchObject({ ref: 'business-licence-application@1', revision: 1 });
    });

    it('checks an application against the published form, naming each field, and keeps only the fields the form has', async () => {
      const bad = await request(app)
        .post('/v1/cases')
        .set('authorization', await as('citizen'))
        .send({
          serviceId: 'business-licence',
          application: {
            ...application,
            applicant: { ...application.applicant, dateOfBirth: '1985-13-10', email: 'nope' },
          },
        })
        .expect(400);
      expect(body(bad).errors).toEqual([
        // The rule broken and its parameters too: a page words them in its reader's language.
        {
          path: 'body.application.applicant.dateOfBirth',
          message: 'must match format "date"',
          rule: 'format',
          params: { format: 'date' },
        },
        {
          path: 'body.application.applicant.email',
          message: 'must match format "email"',
          rule: 'format',
          params: { format: 'email' },
        },
      ]);
    });

    it('warns about a deprecated contract at publish, refuses one past its sunset, and stops new cases once the sunset passes', async () => {
      let today = new Date('2026-12-01T09:00:00Z');
      const clocked = createServer(await standaloneDeps({ now: () => today, newCaseId: () => `case-${++ids}` }));
      const published = await request(clocked)
        .put('/v1/services/business-licence')
        .set('authorization', await admin())
        .send(example('business-licence.yaml'))
        .expect(201);
      expect((published.body as { warnings: Array<{ message: string }> }).warnings).toEqual([
        expect.objectContaining({
          path: 'body.steps.background-check',
          message: expect.stringMatching(
            /background-check@1 is deprecated and served until 2027-06-30.*\[contract-deprecated\]/,
          ) as unknown,
        }),
      ]);
      today = new Date('2027-07-01T09:00:00Z');
      const refused = await request(clocked)
        .put('/v1/services/business-licence')
        .set('authorization', await admin())
        .send({ ...example('business-licence.yaml'), version: 5 })
        .expect(422);
      expect(body(refused).errors.map((e) => e.message)).toEqual([
        expect.stringMatching(/retired on 2027-06-30; use background-check@2 \[contract-past-sunset\]/),
      ]);
      const stopped = await request(clocked)
        .post('/v1/cases')
        .set('authorization', await as('citizen'))
        .send({ serviceId: 'business-licence', application })
        .expect(409);
      expect(body(stopped)).toMatchObject({
        code: 'CONTRACT.PAST_SUNSET',
        errors: [{ path: 'service.task.background-check@1' }],
      });
    });

    it('onboards a partner only for published task types', async () => {
      const refused = await request(app)
        .post('/v1/partners')
        .set('authorization', await admin())
        .send({
          ...profile,
          id: 'typo-co',
          capabilities: ['background-check@1', 'water-analyses@1'],
          terms: { ...profile.terms, 'water-analyses@1': { deadline: { hours: 1 }, capacity: 1 } },
        })
        .expect(422);
      expect(body(refused)).toMatchObject({
        code: 'PARTNER.UNKNOWN_TASK_TYPE',
        errors: [{ path: 'body.capabilities.1', message: expect.stringContaining('water-analyses@1') as unknown }],
      });
      expect(onboarded).not.toContain('typo-co');
    });

    it('starts new cases on the latest active version; a retired service takes none', async () => {
      await request(app)
        .put('/v1/services/business-licence')
        .set('authorization', await admin())
        .send({ ...example('business-licence.yaml'), version: 5 })
        .expect(201);
      const deprecated = await request(app)
        .patch('/v1/services/business-licence/versions/5')
        .set('authorization', await admin())
        .send({ status: 'deprecated', reason: 'rolled back: version 5 misroutes inspections' })
        .expect(200);
      expect(deprecated.body).toMatchObject({ version: 5, status: 'deprecated', liveVersion: 4 });
      const submitted = await request(app)
        .post('/v1/cases')
        .set('authorization', await as('citizen'))
        .send({ serviceId: 'business-licence', application })
        .expect(202);
      expect(body(submitted).serviceVersion).toBe(4);
      for (const version of [4, 5])
        await request(app)
          .patch(`/v1/services/business-licence/versions/${version}`)
          .set('authorization', await admin())
          .send({ status: 'retired', reason: 'the licence is abolished' })
          .expect(200);
      const list = await request(app).get('/v1/services').expect(200);
      expect(list.body).toEqual([expect.objectContaining({ id: 'business-licence', liveVersion: null })]);
      const none = await request(app)
        .post('/v1/cases')
        .set('authorization', await as('citizen'))
        .send({ serviceId: 'business-licence', application })
        .expect(409);
      expect(body(none).code).toBe('SERVICE.RETIRED');
    });
  });

  describe('personal data: retention and erasure', () => {
    const DAY = 86_400_000;
    const apply = async (citizen: string) =>
      body(
        await request(app)
          .post('/v1/cases')
          .set('authorization', await as('citizen', citizen))
          .send({ serviceId: 'business-licence', application })
          .expect(202),
      ).caseId;
    /** The case ends in Temporal at `at`. */
    const close = (caseId: string, at: Date) => {
      cases.states.get(caseId)!.status = 'completed';
      cases.closedAt.set(caseId, at);
    };

    it("erases a closed case once its service's retention has passed, not before, and tells its partners", async () => {
      const caseId = await apply('citizen-ada');
      close(caseId, clock);
      // business-licence keeps closed cases 30 days (examples/business-licence.yaml).
      expect(await sweepRetention(deps)).toEqual({ closedSeen: 1, erased: 0, failed: 0 });
      expect((await deps.store.case(caseId))!.eraseAfter).toBe(new Date(clock.getTime() + 30 * DAY).toISOString());
      clock = new Date(clock.getTime() + 29 * DAY);
      expect(await sweepRetention(deps)).toEqual({ closedSeen: 0, erased: 0, failed: 0 });
      clock = new Date(clock.getTime() + 2 * DAY);
      expect(await sweepRetention(deps)).toEqual({ closedSeen: 0, erased: 1, failed: 0 });
      expect(cases.erasures).toEqual([
        {
          caseId,
          reason: 'retention',
          partnerTasks: [{ partnerId: 'acme-checks', taskId: `${caseId}:background-check`, attempt: 1 }],
        },
      ]);
      // The applicant is unlinked: the case is no longer theirs; staff read that it was erased.
      await request(app)
        .get(`/v1/cases/${caseId}`)
        .set('authorization', await as('citizen', 'citizen-ada'))
        .expect(404);
      const gone = await request(app)
        .get(`/v1/cases/${caseId}`)
        .set('authorization', await as('auditor'))
        .expect(410);
      expect(body(gone)).toMatchObject({ code: 'CASE.ERASED', status: 410 });
      expect(await sweepRetention(deps)).toEqual({ closedSeen: 0, erased: 0, failed: 0 });
    });

    it('tries an erasure again at the next sweep when an engine did not answer: nothing is forgotten', async () => {
      const caseId = await apply('citizen-ada');
      close(caseId, new Date(clock.getTime() - 31 * DAY));
      cases.failNextErasure = true;
      expect(await sweepRetention(deps)).toEqual({ closedSeen: 1, erased: 0, failed: 1 });
      expect((await deps.store.case(caseId))!.erased).toBeUndefined();
      expect(await sweepRetention(deps)).toEqual({ closedSeen: 0, erased: 1, failed: 0 });
    });

    it("erases a citizen's closed cases on an auditor's approval, keeps a running one, and refuses a second decision", async () => {
      const closed = await apply('citizen-ada');
      const running = await apply('citizen-ada');
      const someoneElse = await apply('citizen-bob');
      close(closed, clock);
      const filed = await request(app)
        .post('/v1/erasure-requests')
        .set('authorization', await as('citizen', 'citizen-ada'))
        .send({ reason: 'I moved abroad' })
        .expect(201);
      expect(body(filed)).toMatchObject({ citizen: 'citizen-ada', filedBy: 'citizen-ada', status: 'pending' });
      const id = body(filed).id as string;
      // A citizen asks for their own cases only; an officer must name the citizen.
      const other = await request(app)
        .post('/v1/erasure-requests')
        .set('authorization', await as('citizen', 'citizen-ada'))
        .send({ citizen: 'citizen-bob', reason: 'x' })
        .expect(403);
      expect(body(other).code).toBe('AUTH.FORBIDDEN');
      const unnamed = await request(app)
        .post('/v1/erasure-requests')
        .set('authorization', await as('officer'))
        .send({ reason: 'by letter' })
        .expect(400);
      expect(body(unnamed).errors).toEqual([
        { path: 'body.citizen', message: 'an officer names the citizen who asked' },
      ]);
      // Bob does not see Ada's request; the auditor's queue does.
      await request(app)
        .get(`/v1/erasure-requests/${id}`)
        .set('authorization', await as('citizen', 'citizen-bob'))
        .expect(404);
      const queue = await request(app)
        .get('/v1/erasure-requests?status=pending')
        .set('authorization', await as('auditor'))
        .expect(200);
      expect((queue.body as Array<{ id: string }>).map((r) => r.id)).toEqual([id]);

      const decided = await request(app)
        .post(`/v1/erasure-requests/${id}/decision`)
        .set('authorization', await as('auditor', 'auditor-eve'))
        .send({ decision: 'approve', reason: 'PIPL art. 47: the purpose has been achieved' })
        .expect(200);
      expect(body(decided)).toMatchObject({ status: 'approved', decidedBy: 'auditor-eve' });
      expect(body(decided).outcomes).toEqual([
        { caseId: closed, outcome: 'erased' },
        {
          caseId: running,
          outcome: 'kept',
          reason: `case ${running} is still running: it is erased once it has closed (or been withdrawn)`,
        },
      ]);
      expect(cases.erasures.map((o) => [o.caseId, o.reason, o.requestId])).toEqual([[closed, 'request', id]]);
      expect((await deps.store.case(someoneElse))!.citizen).toBe('citizen-bob');
      const twice = await request(app)
        .post(`/v1/erasure-requests/${id}/decision`)
        .set('authorization', await as('auditor'))
        .send({ decision: 'refuse', reason: 'changed my mind' })
        .expect(409);
      expect(body(twice).code).toBe('ERASURE.DECIDED');
      // Approving again retries what was not erased: the case that has closed since goes too.
      close(running, clock);
      const again = await request(app)
        .post(`/v1/erasure-requests/${id}/decision`)
        .set('authorization', await as('auditor'))
        .send({ decision: 'approve', reason: 'the remaining case has closed' })
        .expect(200);
      expect(body(again).outcomes).toEqual(
        expect.arrayContaining([
          { caseId: closed, outcome: 'erased' },
          { caseId: running, outcome: 'erased' },
        ]),
      );
    });
  });

  it('answers 503 naming the audit service when its read model does not answer, so a client tries again', async () => {
    // Port 9 (discard) is closed on loopback: the connection is refused at once.
    const blind = createServer(
      await standaloneDeps({ audit: new HttpAuditReader('http://127.0.0.1:9', 'x'.repeat(43)) }),
    );
    const refused = await request(blind)
      .get('/v1/audit/verify')
      .set('authorization', await as('auditor'))
      .expect(503);
    expect(body(refused)).toMatchObject({ code: 'AUDIT.UNAVAILABLE', status: 503, instance: '/v1/audit/verify' });
    expect(body(refused).detail).toMatch(/the audit service at http:\/\/127\.0\.0\.1:9 does not answer/);
  });

  it("relays the audit service's word while its read model reads the ledger: how far, and when to ask again", async () => {
    const detail =
      'the audit read model is reading the ledger: 1,500 of 2,000 records (75 %), about 7 s left; ask again then';
    const reading = createHttpServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '7' });
      res.end(JSON.stringify({ status: 503, code: 'AUDIT.CATCHING_UP', detail }));
    });
    await new Promise<void>((resolve) => reading.listen(0, '127.0.0.1', resolve));
    try {
      const audit = new HttpAuditReader(`http://127.0.0.1:${(reading.address() as AddressInfo).port}`, 'x'.repeat(43));
      const refused = await request(createServer(await standaloneDeps({ audit })))
        .get('/v1/transparency')
        .expect(503);
      expect(refused.headers['retry-after']).toBe('7');
      expect(body(refused)).toMatchObject({ code: 'AUDIT.UNAVAILABLE', status: 503 });
      expect(body(refused).detail).toContain(detail);
    } finally {
      await new Promise((resolve) => reading.close(resolve));
    }
  });

  it('limits the rate per caller', async () => {
    const limited = createServer(await standaloneDeps({ rateLimitPerMinute: 2 }));
    const auditor = await as('auditor');
    await request(limited).get('/v1/scorecards').set('authorization', auditor).expect(200);
    await request(limited).get('/v1/scorecards').set('authorization', auditor).expect(200);
    const third = await request(limited).get('/v1/scorecards').set('authorization', auditor).expect(429);
    expect(body(third).code).toBe('REQUEST.RATE_LIMITED');
    await request(limited)
      .get('/v1/scorecards')
      .set('authorization', await as('auditor', 'someone-else'))
      .expect(200);
  });

  /** Who may call what: each role against each route, allowed or refused (403), and no token (401). */
  const MATRIX: Array<[string, string, readonly Role[] | 'public', Record<string, unknown>?]> = [
    ['put', '/v1/services/business-licence', ['agency-admin'], { ...example('business-licence.yaml'), version: 99 }],
    ['get', '/v1/services', 'public'],
    ['get', '/v1/services/business-licence', 'public'],
    ['get', '/v1/services/business-licence/versions/4', 'public'],
    [
      'patch',
      '/v1/services/business-licence/versions/4',
      ['agency-admin'],
      { status: 'active', reason: 'still current' },
    ],
    ['put', '/v1/task-types/site-inspection/1', ['agency-admin'], seedTaskType('site-inspection')],
    [
      'put',
      '/v1/agencies/market-regulation/offer',
      ['agency-admin'],
      { activities: [{ name: 'checkPremisesRegister' }] },
    ],
    ['get', '/v1/agencies', ['agency-admin', 'auditor']],
    ['get', '/v1/task-types', 'public'],
    ['get', '/v1/task-types/site-inspection/1', 'public'],
    ['get', '/v1/task-types/site-inspection/1/revisions/1', 'public'],
    ['put', '/v1/forms/business-licence-application/1', ['agency-admin'], seedForm('business-licence-application')],
    ['get', '/v1/forms', 'public'],
    ['get', '/v1/forms/business-licence-application/1', 'public'],
    ['get', '/v1/forms/business-licence-application/1/revisions/1', 'public'],
    ['get', '/v1/contracts/asyncapi.json', 'public'],
    ['get', '/v1/contracts/json-schema/task-types/site-inspection@1/input.json', 'public'],
    ['get', '/v1/contracts/json-schema/task-types/site-inspection@1/output.json', 'public'],
    ['get', '/v1/contracts/json-schema/forms/business-licence-application@1.json', 'public'],
    ['post', '/v1/cases', ['citizen'], { serviceId: 'business-licence', application }],
    ['get', '/v1/cases', ['citizen']],
    ['get', '/v1/services/business-licence/cases', ['agency-admin']],
    ['post', '/v1/cases/case-1/withdrawal', ['citizen'], { reason: 'I moved abroad' }],
    ['get', '/v1/cases/case-1', ['citizen', 'officer', 'auditor', 'agency-admin']],
    ['post', '/v1/cases/case-1/input', ['citizen'], { stepId: 'decision', values: { note: 'x' } }],
    ['post', '/v1/cases/case-1/rating', ['citizen'], { score: 4 }],
    ['get', '/v1/tasks', ['officer']],
    ['get', '/v1/tasks/case-1:decision', ['officer']],
    ['post', '/v1/tasks/case-1:decision/claim', ['officer'], {}],
    ['post', '/v1/tasks/case-1:decision/release', ['officer'], {}],
    ['post', '/v1/tasks/case-1:decision/decision', ['officer'], { decision: 'approve' }],
    ['post', '/v1/tasks/case-1:decision/revoke', ['officer'], { reason: 'taking it back' }],
    ['post', '/v1/partners', ['agency-admin'], { ...profile, id: 'matrix-co' }],
    ['get', '/v1/partners', ['agency-admin', 'auditor']],
    ['get', '/v1/partners/acme-checks', ['agency-admin', 'auditor', 'partner']],
    ['patch', '/v1/partners/acme-checks', ['agency-admin'], { status: 'active', reason: 'reinstated after review' }],
    ['get', '/v1/partners/acme-checks/scorecard', ['agency-admin', 'auditor', 'partner']],
    ['post', '/v1/partners/acme-checks/credentials', ['agency-admin']],
    ['get', '/v1/scorecards', ['agency-admin', 'auditor']],
    ['get', '/v1/cases/case-1/audit', ['auditor', 'agency-admin']],
    ['get', '/v1/audit/verify', ['auditor', 'agency-admin']],
    ['get', '/v1/transparency', 'public'],
    ['post', '/v1/codec/decode', ['auditor', 'officer'], { payloads: [] }],
    ['post', '/v1/erasure-requests', ['citizen', 'officer'], { citizen: 'citizen-1', reason: 'no longer needed' }],
    ['get', '/v1/erasure-requests', ['citizen', 'officer', 'auditor']],
    ['get', '/v1/erasure-requests/erasure-x', ['citizen', 'officer', 'auditor']],
    [
      'post',
      '/v1/erasure-requests/erasure-x/decision',
      ['auditor'],
      { decision: 'refuse', reason: 'the law keeps it' },
    ],
  ];

  it('covers every route in the role matrix', () => {
    const documented = ROUTES.map((r) => `${r.method} ${r.path}`).sort();
    // Each concrete path of the matrix, matched to the route template it reaches.
    const template = (method: string, path: string) =>
      ROUTES.find(
        (r) =>
          r.method === method &&
          new RegExp(`^${r.path.replace(/\./g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`).test(path),
      )?.path ?? `(no route for ${path})`;
    const tested = MATRIX.map(([m, p]) => `${m} ${template(m, p)}`).sort();
    expect(tested).toEqual(documented);
  });

  it.each(MATRIX)('%s %s: allowed for %j, refused for the others', async (method, path, allowed, body) => {
    // The case belongs to citizen-1 (the citizen token's subject); acme-checks is onboarded; partner tokens are acme-checks.
    await request(app)
      .post('/v1/cases')
      .set('authorization', await as('citizen'))
      .send({ serviceId: 'business-licence', application });
    await request(app)
      .post('/v1/partners')
      .set('authorization', await as('agency-admin'))
      .send(profile);
    const call = (auth?: string) => {
      const r = request(app)[method as 'get'](path);
      if (auth) r.set('authorization', auth);
      return body ? r.send(body) : r;
    };
    if (allowed !== 'public') expect((await call()).status).toBe(401);
    for (const role of ROLES) {
      const response = await call(
        await as(role, role === 'partner' ? 'acme-checks' : role === 'citizen' ? 'citizen-1' : undefined),
      );
      if (allowed === 'public' || allowed.includes(role))
        expect([401, 403], `${role} should be allowed: ${JSON.stringify(response.body)}`).not.toContain(
          response.status,
        );
      else expect(response.status, `${role} should be refused`).toBe(403);
    }
  });

  it('serves an OpenAPI 3.1 document that a third-party validator accepts, and a docs page', async () => {
    const document = (await request(app).get('/openapi.json').expect(200)).body as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys(document.paths)).toHaveLength(new Set(ROUTES.map((r) => r.path)).size);
    const docs = await request(app).get('/docs/').expect(200);
    expect(docs.text).toContain('swagger-ui');
  });
});
