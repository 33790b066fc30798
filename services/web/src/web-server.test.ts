import { SignJWT } from 'jose';
import { pino } from 'pino';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { RATING_WINDOW_DAYS } from '@govmesh/contracts/domain-events';
import {
  ApiProblem,
  type CaseView,
  type InboxPageRequest,
  type OfficerDecision,
  type OfficerTask,
  type OfficerTaskDetail,
  type PortalApi,
  type ServiceDetail,
} from './api-client.js';
import type { PublishedForm } from './application-form.js';
import { CookieSeal } from './session.js';
import type { SignIn } from './sign-in.js';
import { createWebServer } from './web-server.js';
import { createWebMetrics } from './web-metrics.js';

const packageDir = join(fileURLToPath(import.meta.url), '..', '..');

const form: PublishedForm = {
  title: 'Application for a business licence',
  schema: {
    type: 'object',
    required: ['applicant'],
    properties: {
      applicant: {
        type: 'object',
        required: ['name', 'nationalId'],
        properties: { name: { type: 'string' }, nationalId: { type: 'string' } },
      },
      business: { type: 'object', properties: { employees: { type: 'integer' } } },
    },
  },
  ui: {
    order: ['applicant.name', 'applicant.nationalId'],
    fields: {
      'applicant.name': { label: { en: 'Full name', 'zh-CN': '姓名' } },
      'applicant.nationalId': { label: { en: 'National identity number', 'zh-CN': '公民身份号码' } },
      'business.employees': { label: { en: 'Employees', 'zh-CN': '员工人数' } },
    },
  },
};
const service: ServiceDetail = {
  id: 'business-licence',
  version: 2,
  title: 'Business licence',
  ownerAgency: 'market-regulation',
  status: 'active',
  liveVersion: 2,
  definition: { application: { schema: 'business-licence-application@1' } },
  versions: [
    {
      version: 2,
      status: 'active',
      contracts: { application: { ref: 'business-licence-application@1', revision: 3 } },
    },
  ],
};

/**
 * The pages against an API that answers as the real one does (the end-to-end browser test drives
 * the real API, engines and issuer); this one remembers what it was asked.
 */
class RecordingApi implements PortalApi {
  readonly submissions: Array<{ token: string; application: Record<string, unknown>; key: string }> = [];
  readonly formsAsked: Array<[string, number | undefined]> = [];
  readonly inputs: Array<{ caseId: string; stepId: string; values: Record<string, unknown> }> = [];
  readonly ratings: number[] = [];
  /** What the case is doing: its status and current step. */
  caseNow: Pick<CaseView, 'status' | 'currentStep' | 'decision' | 'deadlineStatus' | 'ratingOpenUntil'> = {
    status: 'running',
    currentStep: {
      stepId: 'approve-licence',
      status: 'awaiting-officer',
      says: 'An officer is deciding: approve licence',
    },
  };
  services() {
    return Promise.resolve([service, { ...service, id: 'well-permit', title: 'Private well permit' }]);
  }
  service(id: string) {
    if (id === 'well-permit') return Promise.resolve({ ...service, id, title: 'Private well permit' });
    if (id !== service.id) return Promise.reject(new ApiProblem(404, 'NOT_FOUND', `no service ${id}`));
    return Promise.resolve(service);
  }
  form(ref: string, revision?: number) {
    this.formsAsked.push([ref, revision]);
    return Promise.resolve(form);
  }
  submit(token: string, _serviceId: string, application: Record<string, unknown>, key: string) {
    this.submissions.push({ token, application, key });
    const applicant = (application.applicant ?? {}) as Record<string, unknown>;
    if (!applicant.nationalId)
      return Promise.reject(
        new ApiProblem(400, 'REQUEST.INVALID', 'invalid', [
          { path: 'body.application.applicant.nationalId', message: 'is required' },
        ]),
      );
    return Promise.resolve({ caseId: 'business-licence-1' });
  }
  myCases() {
    return Promise.resolve([]);
  }
  liveCases(_token: string, serviceId: string) {
    return Promise.resolve([
      {
        caseId: `${serviceId}-7`,
        serviceId,
        submittedAt: '2026-12-01T09:00:00.000Z',
        status: 'running',
        currentStep: {
          stepId: 'site-inspection',
          status: 'awaiting-partner',
          says: '…',
          deadline: '2026-12-03T16:00:00.000Z',
        },
      },
    ]);
  }
  timeline: CaseView['timeline'] = [{ time: '2026-12-01T09:30:00.000Z', what: 'Application received' }];
  case(_token: string, caseId: string): Promise<CaseView> {
    return Promise.resolve({
      caseId,
      serviceId: 'business-licence',
      serviceVersion: 2,
      ...this.caseNow,
      deadline: '2026-12-20T23:00:00.000Z',
      timeline: this.timeline,
    });
  }
  definition() {
    return Promise.resolve({
      steps: [
        {
          parallel: [
            { id: 'check', task: 'background-check@1' },
            { id: 'site-inspection', task: 'site-inspection@1', review: { role: 'licensing-officer' } },
            { id: 'decision', officer: { role: 'licensing-officer' } },
            {
              id: 'staff-count',
              citizenInput: { prompt: 'How many people does the business employ?', fields: ['business.employees'] },
            },
          ],
        },
      ],
    });
  }
  provideInput(_token: string, caseId: string, stepId: string, values: Record<string, unknown>) {
    if (values['business.employees'] === 'many')
      return Promise.reject(
        new ApiProblem(422, 'CASE.INPUT_INVALID', 'invalid', [
          { path: 'body.values.business.employees', message: 'must be integer' },
        ]),
      );
    this.inputs.push({ caseId, stepId, values });
    return Promise.resolve();
  }
  readonly decisions: Array<{ taskId: string } & OfficerDecision> = [];
  tasks: OfficerTask[] = [
    {
      taskId: 'c-2:decision',
      caseId: 'c-2',
      stepId: 'decision',
      serviceId: 'business-licence',
      kind: 'officer',
      role: 'licensing-officer',
      deadline: '2099-01-01T00:00:00.000Z',
    },
    {
      taskId: 'c-1:site-inspection',
      caseId: 'c-1',
      stepId: 'site-inspection',
      serviceId: 'business-licence',
      kind: 'review',
      role: 'licensing-officer',
      deadline: '2020-01-01T00:00:00.000Z',
      output: { clear: false, findings: ['no fire exit sign'] },
    },
    {
      taskId: 'c-3:check',
      caseId: 'c-3',
      stepId: 'check',
      serviceId: 'business-licence',
      kind: 'officer',
      role: 'licensing-officer',
      deadline: null,
    },
  ];
  /** The pages the workbench asked for; the fake gives `inboxPageSize` tasks a page, its token their offset. */
  readonly inboxPages: InboxPageRequest[] = [];
  inboxPageSize = 50;
  inbox(_token: string, page: InboxPageRequest) {
    this.inboxPages.push(page);
    if (page.pageToken !== undefined && !/^\d+$/.test(page.pageToken))
      return Promise.reject(new ApiProblem(400, 'REQUEST.INVALID', 'pageToken is not a page token this inbox gave'));
    const from = Number(page.pageToken ?? 0);
    const to = from + this.inboxPageSize;
    return Promise.resolve({
      tasks: this.tasks.slice(from, to),
      ...(to < this.tasks.length ? { nextPageToken: String(to) } : {}),
    });
  }
  /** Who the signed-in officer is, as the API reads it from the token. */
  officerId = 'demo-officer-market-regulation';
  /** Earlier attempts sent back, by task id. */
  previousAttempts = new Map<string, OfficerTaskDetail['previousAttempt']>();
  task(_token: string, taskId: string): Promise<OfficerTaskDetail> {
    const task = this.tasks.find((t) => t.taskId === taskId);
    if (!task)
      return Promise.reject(
        new ApiProblem(409, 'CASE.NOT_AWAITING_DECISION', `${taskId} is not waiting for an officer`),
      );
    const previous = this.previousAttempts.get(taskId);
    return Promise.resolve({ version: 1, ...task, ...(previous ? { previousAttempt: previous } : {}) });
  }
  readonly claims: Array<{ taskId: string; action: string; version: number | undefined }> = [];
  /** As the case does: a claim at an older version, or of a task someone else holds, is refused. */
  claimTask(_token: string, taskId: string, action: 'claim' | 'release', version: number | undefined) {
    const i = this.tasks.findIndex((t) => t.taskId === taskId);
    const task = this.tasks[i]!;
    const now = task.version ?? 1;
    if (version !== undefined && version !== now)
      return Promise.reject(new ApiProblem(409, 'CASE.TASK_CHANGED', `version ${version}, now ${now}`));
    if (action === 'claim' && task.claimedBy && task.claimedBy !== this.officerId)
      return Promise.reject(new ApiProblem(409, 'CASE.TASK_CLAIMED', `claimed by ${task.claimedBy}`));
    this.claims.push({ taskId, action, version });
    const claimedBy = action === 'claim' ? this.officerId : undefined;
    this.tasks[i] = { ...task, version: now + 1, ...(claimedBy ? { claimedBy } : { claimedBy: undefined }) };
    return Promise.resolve({ version: now + 1, claimedBy: claimedBy ?? null });
  }
  decide(_token: string, taskId: string, decision: OfficerDecision) {
    const task = this.tasks.find((t) => t.taskId === taskId);
    if (task?.claimedBy && task.claimedBy !== this.officerId)
      return Promise.reject(new ApiProblem(409, 'CASE.TASK_CLAIMED', `claimed by ${task.claimedBy}`));
    if (decision.version !== undefined && decision.version !== (task?.version ?? 1))
      return Promise.reject(new ApiProblem(409, 'CASE.TASK_CHANGED', 'the task has changed'));
    this.decisions.push({ taskId, ...decision });
    this.tasks = this.tasks.filter((task) => task.taskId !== taskId);
    return Promise.resolve();
  }
  readonly revocations: Array<{ taskId: string; reason: string }> = [];
  revokePartnerTask(_token: string, taskId: string, reason: string) {
    if (this.revocations.length)
      return Promise.reject(
        new ApiProblem(409, 'CASE.NO_OPEN_PARTNER_TASK', 'step site-inspection has no partner task to revoke'),
      );
    this.revocations.push({ taskId, reason });
    return Promise.resolve();
  }
  taskType(ref: string) {
    return Promise.resolve({
      title: ref,
      output: {
        type: 'object',
        required: ['clear', 'findings'],
        properties: { clear: { type: 'boolean' }, findings: { type: 'array', items: { type: 'string' } } },
      },
    });
  }
  /** More partners on the ledger, as a long-used one holds (partner-0, partner-1, …). */
  extraPartners = 0;
  scorecards(_token: string, window?: { since: string; until: string }) {
    this.scorecardWindows.push(window);
    const today = window === undefined || Date.parse(window.until) > Date.now();
    const extra = Array.from({ length: this.extraPartners }, (_, i) => ({
      partnerId: `partner-${i}`,
      taskType: 'background-check@1',
      assigned: 3,
      onTimeRate: 1,
      score: 0.9,
      turnaroundMs: { median: 60_000, p95: 60_000, samples: 3 },
    }));
    return Promise.resolve([
      ...extra,
      {
        partnerId: 'swift-checks',
        taskType: 'background-check@1',
        assigned: today ? 12 : 0,
        onTimeRate: today ? 0.75 : null,
        score: 0.8,
        turnaroundMs: { median: today ? 90_000 : null, p95: today ? 120_000 : null, samples: today ? 9 : 0 },
      },
    ]);
  }
  readonly scorecardWindows: Array<{ since: string; until: string } | undefined> = [];
  verifyLedger() {
    return Promise.resolve({ ok: true, records: 1234, firstBroken: null, reason: null, signedThrough: 1200 });
  }
  auditTrail(_token: string, caseId: string) {
    if (caseId !== 'c-1')
      return Promise.reject(new ApiProblem(404, 'NOT_FOUND', `the ledger holds nothing for case ${caseId}`));
    return Promise.resolve([
      {
        seq: 7,
        time: '2026-12-01T09:30:00.000Z',
        type: 'gov.govmesh.case.opened.v1',
        actor: { kind: 'citizen', id: 'demo-citizen-7' },
        hash: 'ab'.repeat(32),
      },
    ]);
  }
  readonly published: Array<{ id: string; definition: unknown }> = [];
  readonly partnerChanges: Array<{ id: string; status: string; reason: string }> = [];
  publishService(_token: string, id: string, definition: unknown) {
    this.published.push({ id, definition });
    if ((definition as { steps?: unknown }).steps === undefined)
      return Promise.reject(
        new ApiProblem(422, 'DEFINITION.INVALID', 'invalid', [
          { path: 'body.steps', message: 'is required' },
          { path: 'body.application', message: 'is required' },
        ]),
      );
    return Promise.resolve({ id, version: 4 });
  }
  partners() {
    return Promise.resolve([
      { id: 'swift-checks', name: 'Swift Checks', capabilities: ['background-check@1'], status: 'active' as const },
      { id: 'other-agencys', name: 'Other', capabilities: ['home-visit@1'], status: 'active' as const },
    ]);
  }
  changePartner(_token: string, id: string, status: string, reason: string) {
    if (id === 'other-agencys')
      return Promise.reject(new ApiProblem(403, 'AUTH.NOT_OWNER', 'other-agencys is contracted by social-security'));
    this.partnerChanges.push({ id, status, reason });
    return Promise.resolve();
  }
  onboardPartner(_token: string, profile: unknown) {
    const p = profile as { id?: string; name?: string; capabilities?: string[] };
    if (!p.capabilities?.length)
      return Promise.reject(
        new ApiProblem(422, 'REQUEST.INVALID', 'invalid', [
          { path: 'body.capabilities', message: 'must have at least 1 item' },
        ]),
      );
    return Promise.resolve({
      id: p.id ?? '',
      name: p.name ?? '',
      capabilities: p.capabilities,
      status: 'active' as const,
      kafka: {
        brokers: ['127.0.0.1:19092'],
        mechanism: 'scram-sha-512',
        username: `partner-${p.id ?? ''}`,
        password: 'first-secret',
        tls: false,
      },
    });
  }
  rotateCredentials() {
    return Promise.resolve({
      brokers: ['127.0.0.1:19092'],
      mechanism: 'scram-sha-512',
      username: 'partner-swift-checks',
      password: 's3cret-once',
      tls: false,
    });
  }
  transparency() {
    return Promise.resolve([
      {
        serviceId: 'business-licence',
        received: 120,
        completed: 100,
        failed: null,
        withinStatutoryDeadline: 0.87,
        statutoryBreaches: 7,
        medianProcessingMs: 3 * 86_400_000,
        satisfaction: { ratings: 40, average: 4.25 },
        suppressedBelow: 5,
      },
      {
        serviceId: 'a-service-withdrawn-long-ago',
        received: 9,
        completed: 9,
        failed: 0,
        withinStatutoryDeadline: 1,
        medianProcessingMs: 1000,
        satisfaction: { ratings: 0, average: null },
        suppressedBelow: 5,
      },
      {
        serviceId: 'well-permit',
        received: null,
        completed: 0,
        failed: 0,
        withinStatutoryDeadline: null,
        statutoryBreaches: null,
        medianProcessingMs: null,
        satisfaction: { ratings: 0, average: null },
        suppressedBelow: 5,
      },
    ]);
  }
  readonly withdrawals: Array<{ caseId: string; reason: string }> = [];
  withdraw(_token: string, caseId: string, reason: string) {
    if (this.caseNow.status !== 'running')
      return Promise.reject(new ApiProblem(409, 'CASE.CLOSED', 'the case has ended'));
    this.withdrawals.push({ caseId, reason });
    this.caseNow = { status: 'withdrawn', currentStep: null };
    return Promise.resolve();
  }
  /** The API's answer to a rating once the window has closed (the case view's `ratingOpenUntil` is past). */
  ratingClosed = false;
  rate(_token: string, _caseId: string, score: number) {
    if (this.ratingClosed)
      return Promise.reject(new ApiProblem(409, 'CASE.RATING_CLOSED', 'a case can be rated within 30 days of its end'));
    if (this.ratings.length) return Promise.reject(new ApiProblem(409, 'CASE.RATED', 'this case has been rated'));
    this.ratings.push(score);
    return Promise.resolve();
  }
}

const secret = new TextEncoder().encode('test-only-signing-key-for-decoding-claims');
const tokenFor = (role: string, sub: string, agency?: string) =>
  new SignJWT({ govmesh_role: role, ...(agency ? { govmesh_agency: agency } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('1h')
    .sign(secret);

/** An issuer that signs in whoever the test says, after checking the state round-trips. */
function signInAs(role: string, subject: string, agency?: string): SignIn {
  return {
    authorizationUrl: (verifier, state) =>
      Promise.resolve(new URL(`http://127.0.0.1:1/authorize?state=${state}&verifier_length=${verifier.length}`)),
    async complete(callback, _verifier, state) {
      if (callback.searchParams.get('state') !== state) throw new Error('state mismatch');
      return { accessToken: await tokenFor(role, subject, agency), expiresIn: 3600 };
    },
  };
}

function portal(api = new RecordingApi(), role = 'citizen', subject = 'demo-citizen-7', agency?: string) {
  const metrics = createWebMetrics();
  const app = createWebServer({
    api,
    metrics,
    signIn: signInAs(role, subject, agency),
    seal: new CookieSeal('a-secret-of-at-least-thirty-two-characters'),
    logger: pino({ level: 'silent' }),
    timeZone: 'Europe/Berlin',
    secureCookies: false,
    signInOrigin: 'http://127.0.0.1:1',
    distDir: join(packageDir, 'dist'),
  });
  return { app, api, agent: request.agent(app), metrics };
}

/** Signs the agent in through the pages' own flow: /sign-in, the issuer, /sign-in/callback. */
async function signIn(agent: ReturnType<typeof request.agent>, returnTo = '/') {
  const started = await agent.get(`/sign-in?returnTo=${encodeURIComponent(returnTo)}`).expect(303);
  const state = new URL(started.headers.location as string).searchParams.get('state')!;
  return await agent.get(`/sign-in/callback?code=c&state=${state}`).expect(303);
}

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const keyOf = (html: string) => /name="_idempotency" value="([^"]+)"/.exec(html)?.[1] ?? '';

beforeAll(() => {
  // The views and styles are copied into dist by the build; build them if this checkout has not.
  if (!existsSync(join(packageDir, 'dist', 'views', 'layout.njk')))
    execFileSync(process.execPath, [join(packageDir, 'scripts', 'build-assets.mjs')]);
});

describe('the citizen portal', () => {
  it('lists the catalogue to anyone, with an apply link per service and a policy that allows only its own scripts', async () => {
    const { agent } = portal();
    const page = await agent.get('/').expect(200);
    expect(page.text).toContain('Business licence');
    expect(page.text).toContain('href="/services/business-licence/apply"');
    expect(page.text).toContain('<html lang="en"');
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self' 'nonce-[^']+'/);
    expect(page.headers['content-security-policy']).toContain("form-action 'self' http://127.0.0.1:1");
  });

  it('answers in Chinese when the browser asks for it, and in the language the switcher chose after that', async () => {
    const { agent } = portal();
    const zh = await agent.get('/').set('Accept-Language', 'zh-CN,zh;q=0.9,en;q=0.5').expect(200);
    expect(zh.text).toContain('<html lang="zh-CN"');
    expect(zh.text).toContain('在线申请政务服务');
    await agent.get('/?lang=en').set('Accept-Language', 'zh-CN').expect(200);
    const chosen = await agent.get('/').set('Accept-Language', 'zh-CN').expect(200);
    expect(chosen.text).toContain('Apply for a public service');
  });

  it('sends someone not signed in to sign in, and back to the form afterwards', async () => {
    const { agent } = portal();
    const asked = await agent.get('/services/business-licence/apply').expect(303);
    expect(asked.headers.location).toBe('/sign-in?returnTo=%2Fservices%2Fbusiness-licence%2Fapply');
    const back = await signIn(agent, '/services/business-licence/apply');
    expect(back.headers.location).toBe('/services/business-licence/apply');
    const form = await agent.get('/services/business-licence/apply').expect(200);
    expect(form.text).toContain('for="f-applicant-name"');
    expect(form.text).toContain('You are applying as demo-citizen-7.');
  });

  it('never sends a browser back to another site after signing in', async () => {
    const { agent } = portal();
    for (const returnTo of ['https://evil.example/', '//evil.example/x', '/\\evil.example'])
      expect((await signIn(agent, returnTo)).headers.location).toBe('/');
  });

  it('draws the form from the revision the live version pinned', async () => {
    const { agent, api } = portal();
    await signIn(agent);
    await agent.get('/services/business-licence/apply').expect(200);
    expect(api.formsAsked).toEqual([['business-licence-application@1', 3]]);
  });

  it("shows the API's problems next to the fields, keeps what was typed, and retries with the same key", async () => {
    const { agent, api } = portal();
    await signIn(agent);
    const form = await agent.get('/services/business-licence/apply').expect(200);
    const refused = await agent
      .post('/services/business-licence/apply')
      .type('form')
      .send({ _csrf: csrfOf(form.text), _idempotency: keyOf(form.text), 'applicant.name': 'Ada <Lovelace>' })
      .expect(400);
    expect(refused.text).toContain('govuk-error-summary');
    expect(refused.text).toContain('href="#f-applicant-nationalId"');
    expect(refused.text).toMatch(/id="f-applicant-nationalId-error"[\s\S]*Enter National identity number/);
    expect(refused.text).toContain('value="Ada &lt;Lovelace&gt;"');
    const sent = await agent
      .post('/services/business-licence/apply')
      .type('form')
      .send({
        _csrf: csrfOf(refused.text),
        _idempotency: keyOf(refused.text),
        'applicant.name': 'Ada',
        'applicant.nationalId': 'NID-1',
      })
      .expect(303);
    expect(sent.headers.location).toBe('/cases/business-licence-1?submitted=1');
    expect(api.submissions.map((s) => s.key)).toEqual([keyOf(form.text), keyOf(form.text)]);
    expect(api.submissions[1]?.application).toEqual({ applicant: { name: 'Ada', nationalId: 'NID-1' } });
  });

  it('keeps what was typed when the session has ended, and gives it back after signing in again', async () => {
    const { agent, api } = portal();
    const sent = await agent
      .post('/services/business-licence/apply')
      .type('form')
      .send({
        _csrf: 'stale',
        _idempotency: 'key-1',
        'applicant.name': 'Grace Hopper',
        'applicant.nationalId': 'NID-9',
      })
      .expect(303);
    expect(sent.headers.location).toBe('/sign-in?returnTo=%2Fservices%2Fbusiness-licence%2Fapply');
    expect(api.submissions).toEqual([]);
    await signIn(agent, '/services/business-licence/apply');
    const again = await agent.get('/services/business-licence/apply').expect(200);
    expect(again.text).toContain('value="Grace Hopper"');
    expect(again.text).toContain('value="NID-9"');
    expect(keyOf(again.text)).toBe('key-1');
    expect(again.text).toContain('Your session has expired');
  });

  it('refuses a form posted from another page (no anti-forgery token) without submitting it', async () => {
    const { agent, api } = portal();
    await signIn(agent);
    await agent
      .post('/services/business-licence/apply')
      .type('form')
      .send({ 'applicant.name': 'Mallory', 'applicant.nationalId': 'X' })
      .expect(303);
    expect(api.submissions).toEqual([]);
  });

  it("shows a case in plain words, with its deadlines in the jurisdiction's time zone", async () => {
    const { agent } = portal();
    await signIn(agent);
    const page = await agent.get('/cases/business-licence-1?submitted=1').expect(200);
    expect(page.text).toContain('Application sent');
    expect(page.text).toContain('An officer is deciding: approve licence');
    // 23:00 UTC is midnight in Berlin: the next day there
    expect(page.text).toContain('21 December 2026 at 00:00');
    const zh = await agent.get('/cases/business-licence-1?lang=zh-CN').expect(200);
    expect(zh.text).toContain('工作人员正在审批：approve licence');
  });

  it('tells an officer the portal is for citizens rather than showing them a form', async () => {
    const { agent } = portal(new RecordingApi(), 'officer', 'demo-officer-market-regulation');
    await signIn(agent);
    const page = await agent.get('/services/business-licence/apply').expect(403);
    expect(page.text).toContain('This page is for citizens');
  });

  it("answers an unknown service with a page in the person's language", async () => {
    const { agent } = portal();
    await signIn(agent);
    const page = await agent.get('/services/no-such/apply').set('Accept-Language', 'zh-CN').expect(404);
    expect(page.text).toContain('页面不存在');
    expect(page.text).toContain('no service no-such');
  });

  it("asks for the information the agency's step wants, with its prompt, and sends the answer typed", async () => {
    const { agent, api } = portal();
    api.caseNow = {
      status: 'running',
      currentStep: {
        stepId: 'staff-count',
        status: 'awaiting-citizen',
        says: 'We are waiting for information from you',
      },
      deadlineStatus: 'paused',
    };
    await signIn(agent);
    const page = await agent.get('/cases/business-licence-1').expect(200);
    expect(page.text).toContain('How many people does the business employ?');
    // The legal time limit does not run against the applicant while the agency waits on them.
    expect(page.text).toContain('stands still until you answer');
    expect(page.text).toContain('for="f-business-employees"');
    // Only what the step asks for, not the rest of the application.
    expect(page.text).not.toContain('for="f-applicant-name"');
    const empty = await agent
      .post('/cases/business-licence-1/input')
      .type('form')
      .send({ _csrf: csrfOf(page.text), _step: 'staff-count' })
      .expect(400);
    expect(empty.text).toContain('Enter Employees');
    const wrong = await agent
      .post('/cases/business-licence-1/input')
      .type('form')
      .send({ _csrf: csrfOf(page.text), _step: 'staff-count', 'business.employees': 'many' })
      .expect(400);
    expect(wrong.text).toContain('Employees: must be integer');
    expect(wrong.text).toContain('value="many"');
    const sent = await agent
      .post('/cases/business-licence-1/input')
      .type('form')
      .send({ _csrf: csrfOf(page.text), _step: 'staff-count', 'business.employees': '12' })
      .expect(303);
    expect(sent.headers.location).toBe('/cases/business-licence-1?answered=1');
    expect(api.inputs).toEqual([
      { caseId: 'business-licence-1', stepId: 'staff-count', values: { 'business.employees': 12 } },
    ]);
    const after = await agent.get(sent.headers.location as string).expect(200);
    expect(after.text).toContain('your answer has been sent to the agency');
  });

  it('lets the applicant withdraw a running case, with a reason, and then offers it no more', async () => {
    const { agent, api } = portal();
    await signIn(agent);
    const page = await agent.get('/cases/business-licence-1').expect(200);
    expect(page.text).toContain('Withdraw your application');
    const bare = await agent
      .post('/cases/business-licence-1/withdrawal')
      .type('form')
      .send({ _csrf: csrfOf(page.text), reason: ' ' })
      .expect(400);
    expect(bare.text).toContain('Say why you are withdrawing');
    expect(api.withdrawals).toEqual([]);
    const done = await agent
      .post('/cases/business-licence-1/withdrawal')
      .type('form')
      .send({ _csrf: csrfOf(page.text), reason: 'I moved abroad' })
      .expect(303);
    expect(done.headers.location).toBe('/cases/business-licence-1?withdrawn=1');
    expect(api.withdrawals).toEqual([{ caseId: 'business-licence-1', reason: 'I moved abroad' }]);
    const after = await agent.get(done.headers.location as string).expect(200);
    expect(after.text).toContain('Your application is withdrawn');
    expect(after.text).not.toContain('Withdraw the application');
    // A second tab's late withdrawal lands on the case as it stands.
    const late = await agent
      .post('/cases/business-licence-1/withdrawal')
      .type('form')
      .send({ _csrf: csrfOf(page.text), reason: 'again' })
      .expect(303);
    expect(late.headers.location).toBe('/cases/business-licence-1');
  });

  it('offers a rating once the case has ended, and takes it once', async () => {
    const { agent, api } = portal();
    await signIn(agent);
    const running = await agent.get('/cases/business-licence-1').expect(200);
    expect(running.text).not.toContain('name="score"');
    api.caseNow = { status: 'completed', currentStep: null, decision: 'approved' };
    const ended = await agent.get('/cases/business-licence-1').expect(200);
    expect(ended.text).toContain('Approved');
    expect((await agent.get('/cases/business-licence-1?lang=zh-CN').expect(200)).text).toContain('准予批准');
    await agent.get('/?lang=en').expect(200);
    expect(ended.text).toContain('name="score"');
    const none = await agent
      .post('/cases/business-licence-1/rating')
      .type('form')
      .send({ _csrf: csrfOf(ended.text) })
      .expect(303);
    expect(none.headers.location).toBe('/cases/business-licence-1?ratingError=1#rating');
    expect((await agent.get('/cases/business-licence-1?ratingError=1').expect(200)).text).toContain(
      'Choose a rating from 1 to 5',
    );
    for (const _ of [1, 2])
      expect(
        (
          await agent
            .post('/cases/business-licence-1/rating')
            .type('form')
            .send({ _csrf: csrfOf(ended.text), score: '4' })
            .expect(303)
        ).headers.location,
      ).toBe('/cases/business-licence-1?rated=1');
    expect(api.ratings).toEqual([4]);
  });

  it('says until when a case can be rated, and once that has passed offers no rating and says why', async () => {
    const { agent, api } = portal();
    await signIn(agent);
    api.caseNow = {
      status: 'completed',
      currentStep: null,
      decision: 'approved',
      ratingOpenUntil: new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString(),
    };
    const open = await agent.get('/cases/business-licence-1').expect(200);
    expect(open.text).toContain('name="score"');
    expect(open.text).toMatch(/You can rate this service until [^<]+\./);
    // The window closes while the page is open: the API refuses, and the page says why.
    api.ratingClosed = true;
    const refused = await agent
      .post('/cases/business-licence-1/rating')
      .type('form')
      .send({ _csrf: csrfOf(open.text), score: '4' })
      .expect(303);
    expect(refused.headers.location).toBe('/cases/business-licence-1?ratingClosed=1');
    api.caseNow = { ...api.caseNow, ratingOpenUntil: new Date(Date.now() - 1000).toISOString() };
    const closed = await agent.get(refused.headers.location as string).expect(200);
    expect(closed.text).not.toContain('name="score"');
    expect(closed.text).toContain(
      `Ratings for this case have closed: a service can be rated within ${RATING_WINDOW_DAYS} days of the end of its case.`,
    );
    expect(api.ratings).toEqual([]);
  });

  it('publishes the figures to anyone, saying which were withheld as too small rather than showing them', async () => {
    const { agent } = portal();
    const page = await agent.get('/transparency').expect(200);
    expect(page.text).toContain('Counts under 5 are not shown');
    const cells = [...page.text.matchAll(/<td class="govuk-table__cell[^"]*">([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(cells).toEqual([
      ...['120', '100', 'fewer than 5', '87%', '7', '3 days', '4.3 (40)'],
      // nothing decided yet is not a secret: it says so
      ...['fewer than 5', '0', '0', 'none yet', 'fewer than 5', 'none yet', 'none yet'],
    ]);
    expect(page.text).toContain('app-bar__fill--85');
    expect(page.text).not.toContain('a-service-withdrawn-long-ago');
    const zh = await agent.get('/transparency').set('Accept-Language', 'zh-CN').expect(200);
    expect(zh.text).toContain('少于 5');
    expect(zh.text).toContain('3天');
  });

  it('tells a visitor when to try again when the API says so (the audit read model reading the ledger)', async () => {
    const { agent, api } = portal();
    api.transparency = () =>
      Promise.reject(new ApiProblem(503, 'AUDIT.UNAVAILABLE', 'the audit read model is reading the ledger', [], 12));
    const page = await agent.get('/transparency').expect(503);
    expect(page.headers['retry-after']).toBe('12');
    expect(page.text).toContain('Try again in 12 seconds. Nothing you sent has been lost.');
    const zh = await agent.get('/transparency').set('Accept-Language', 'zh-CN').expect(503);
    expect(zh.text).toContain('请在 12 秒后再试');
  });

  it("words the timeline in the reader's language from each line's code, and keeps a line it has no words for", async () => {
    const { agent, api } = portal();
    api.timeline = [
      {
        time: '2026-12-01T09:30:00.000Z',
        what: 'Your application was received; it is due by 2026-12-20T23:00:00Z',
        event: 'received',
        values: { due: '2026-12-20T23:00:00Z' },
      },
      {
        time: '2026-12-01T09:31:00.000Z',
        what: 'We read the enterprise registry of market regulation instead of asking you, to check the employer',
        event: 'registry-read',
        values: { registry: 'enterprise registry', agency: 'market regulation', purpose: 'check the employer' },
      },
      {
        time: '2026-12-02T10:00:00.000Z',
        what: 'Your case was decided: approved',
        event: 'decided',
        values: { decision: 'approved' },
      },
      { time: '2026-12-02T10:01:00.000Z', what: 'Something new the pages do not know yet', event: 'newer-event' },
    ];
    await signIn(agent);
    const en = await agent.get('/cases/business-licence-1').expect(200);
    expect(en.text).toContain('Your application was received; it is due by 21 December 2026');
    expect(en.text).toContain('Your case was decided: Approved');
    expect(en.text).toContain('Something new the pages do not know yet');
    const zh = await agent.get('/cases/business-licence-1').set('Accept-Language', 'zh-CN').expect(200);
    expect(zh.text).toContain('已收到您的申请，法定办结期限为2026年12月21日');
    expect(zh.text).toContain(
      '我们查询了market regulation的enterprise registry，无需您重复提交，用途：check the employer',
    );
    expect(zh.text).toContain('您的办件已有结果：准予批准');
    expect(zh.text).not.toContain('Your application was received');
  });

  it("says a step is delayed when the agency's system did not take it up and an officer is doing it", async () => {
    const { agent, api } = portal();
    api.caseNow = {
      status: 'running',
      currentStep: { stepId: 'verify-identity', status: 'awaiting-officer', says: '…', delayed: true },
    };
    await signIn(agent);
    const en = await agent.get('/cases/business-licence-1').expect(200);
    expect(en.text).toContain(
      'Delayed: the agency&#39;s systems did not take up verify identity; an officer is doing it',
    );
    const zh = await agent.get('/cases/business-licence-1').set('Accept-Language', 'zh-CN').expect(200);
    expect(zh.text).toContain('已延误');
  });

  it('counts pages by their route pattern and sign-ins by outcome, for Prometheus, with no id in a label', async () => {
    const { agent, metrics } = portal();
    await signIn(agent);
    await agent.get('/cases/business-licence-1').expect(200);
    await agent.get('/no-such-page').expect(404);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/govmesh_web_pages_total\{method="GET",route="\/cases\/:id",status="200",service="web"\} 1/);
    expect(text).toMatch(/govmesh_web_sign_ins_total\{outcome="completed",service="web"\} 1/);
    expect(text).toMatch(/govmesh_web_pages_total\{method="GET",route="unmatched",status="404",service="web"\} 1/);
    expect(text).not.toContain('business-licence-1');
  });

  describe('the officer workbench', () => {
    const officer = () => portal(new RecordingApi(), 'officer', 'demo-officer-market-regulation');

    it("lists the tasks for the officer's roles, overdue first, and is for officers only", async () => {
      const { agent } = officer();
      await signIn(agent);
      const inbox = await agent.get('/officer').expect(200);
      const order = [...inbox.text.matchAll(/href="\/officer\/tasks\/([^"]+)"/g)].map((m) => decodeURIComponent(m[1]!));
      expect(order).toEqual(['c-1:site-inspection', 'c-2:decision', 'c-3:check']);
      expect(inbox.text).toContain('Overdue');
      const { agent: asCitizen } = portal();
      await signIn(asCitizen);
      expect((await asCitizen.get('/officer').expect(403)).text).toContain('This page is for officers');
    });

    it('shows the inbox a page at a time, with a link to the next page and back to the first', async () => {
      const api = new RecordingApi();
      api.inboxPageSize = 2;
      const { agent } = portal(api, 'officer', 'demo-officer-market-regulation');
      await signIn(agent);
      const tasksOn = (html: string) =>
        [...html.matchAll(/href="\/officer\/tasks\/([^"]+)"/g)].map((m) => decodeURIComponent(m[1]!));
      const first = await agent.get('/officer').expect(200);
      // The page's tasks, overdue first.
      expect(tasksOn(first.text)).toEqual(['c-1:site-inspection', 'c-2:decision']);
      expect(first.text).not.toContain('Back to the first page');
      const next = /<a class="govuk-link" rel="next" href="([^"]+)">Next page<\/a>/.exec(first.text)?.[1];
      expect(next).toBe('/officer?page=2');
      const second = await agent.get(next!).expect(200);
      expect(tasksOn(second.text)).toEqual(['c-3:check']);
      expect(second.text).toContain('Back to the first page');
      expect(second.text).not.toContain('Next page');
      expect(api.inboxPages).toEqual([{ pageSize: 50 }, { pageSize: 50, pageToken: '2' }]);
      // A token the API no longer takes: the first page, saying so.
      const stale = await agent.get('/officer?page=from-last-release').expect(200);
      expect(stale.text).toContain('That page of the inbox is no longer there');
      expect(tasksOn(stale.text)).toEqual(['c-1:site-inspection', 'c-2:decision']);
    });

    /** Claims the task from its page, as the officer's button does; answers the page it leads to. */
    async function claim(agent: ReturnType<typeof officer>['agent'], path: string) {
      const before = await agent.get(path).expect(200);
      expect(before.text).toContain('Claim this task');
      expect(before.text).not.toContain('name="decision"');
      const claimed = await agent
        .post(`${path}/claim`)
        .type('form')
        .send({ _csrf: csrfOf(before.text), version: '1' })
        .expect(303);
      expect(claimed.headers.location).toBe(path);
      return agent.get(path).expect(200);
    }

    it("shows a partner's work beside its contract, and sends it back only with reasons", async () => {
      const { agent, api } = officer();
      await signIn(agent);
      const page = await claim(agent, '/officer/tasks/c-1%3Asite-inspection');
      expect(api.claims).toEqual([{ taskId: 'c-1:site-inspection', action: 'claim', version: 1 }]);
      expect(page.text).toContain('What the partner answered');
      expect(page.text).toContain('no fire exit sign');
      expect(page.text).toContain('What the contract asks: site-inspection@1');
      expect(page.text).toContain('name="version" value="2"');
      const bare = await agent
        .post('/officer/tasks/c-1%3Asite-inspection')
        .type('form')
        .send({ _csrf: csrfOf(page.text), decision: 'request-rework' })
        .expect(400);
      expect(bare.text).toContain('Give at least one reason');
      expect(api.decisions).toEqual([]);
      const sent = await agent
        .post('/officer/tasks/c-1%3Asite-inspection')
        .type('form')
        .send({
          _csrf: csrfOf(page.text),
          version: '2',
          decision: 'request-rework',
          reasons: 'add a photograph\nsign the report',
        })
        .expect(303);
      expect(sent.headers.location).toBe('/officer?decided=site-inspection');
      expect(api.decisions).toEqual([
        {
          taskId: 'c-1:site-inspection',
          decision: 'request-rework',
          reasons: ['add a photograph', 'sign the report'],
          version: 2,
        },
      ]);
      expect((await agent.get('/officer?decided=site-inspection').expect(200)).text).toContain('is recorded');
    });

    it("records a partner's work done in-house with a form drawn from the task type's output", async () => {
      const { agent, api } = officer();
      await signIn(agent);
      const page = await claim(agent, '/officer/tasks/c-3%3Acheck');
      expect(page.text).toContain('for="f-findings"');
      await agent
        .post('/officer/tasks/c-3%3Acheck')
        .type('form')
        .send({
          _csrf: csrfOf(page.text),
          version: '2',
          decision: 'approve',
          clear: 'true',
          findings: 'none of note\n',
        })
        .expect(303);
      expect(api.decisions).toEqual([
        { taskId: 'c-3:check', decision: 'approve', output: { clear: true, findings: ['none of note'] }, version: 2 },
      ]);
    });

    it('shows who holds a claimed task, and a screen drawn before someone else claimed it cannot decide', async () => {
      const { agent, api } = officer();
      await signIn(agent);
      const stale = await agent.get('/officer/tasks/c-2%3Adecision').expect(200);
      // Meanwhile another officer claims it.
      api.tasks = api.tasks.map((t) =>
        t.taskId === 'c-2:decision' ? { ...t, version: 2, claimedBy: 'officer-lin' } : t,
      );
      const inbox = await agent.get('/officer').expect(200);
      expect(inbox.text).toContain('officer-lin');
      const late = await agent
        .post('/officer/tasks/c-2%3Adecision/claim')
        .type('form')
        .send({ _csrf: csrfOf(stale.text), version: '1' })
        .expect(409);
      expect(late.text).toContain('This task changed after you opened it');
      expect(late.text).toContain('another officer (officer-lin)');
      expect(late.text).not.toContain('name="decision"');
      const decided = await agent
        .post('/officer/tasks/c-2%3Adecision')
        .type('form')
        .send({ _csrf: csrfOf(stale.text), version: '1', decision: 'approve' })
        .expect(409);
      expect(decided.text).toContain('Another officer claimed this task first');
      expect(api.decisions).toEqual([]);
      // The holder gives it back; the inbox says so.
      api.officerId = 'officer-lin';
      const released = await agent
        .post('/officer/tasks/c-2%3Adecision/release')
        .type('form')
        .send({ _csrf: csrfOf(stale.text), version: '2' })
        .expect(303);
      expect(released.headers.location).toBe('/officer?released=decision');
      expect((await agent.get(released.headers.location as string).expect(200)).text).toContain(
        'You gave decision back',
      );
    });

    it('sets a review after rework beside the attempt sent back, with the reasons it went back', async () => {
      const { agent, api } = officer();
      await signIn(agent);
      api.previousAttempts.set('c-1:site-inspection', {
        attempt: 1,
        output: { clear: false, findings: ['no fire exit sign', 'blocked door'] },
        reasons: ['photograph the fire exit'],
      });
      const page = await agent.get('/officer/tasks/c-1%3Asite-inspection').expect(200);
      expect(page.text).toContain('Attempt 1, sent back');
      expect(page.text).toContain('photograph the fire exit');
      expect(page.text).toContain('no fire exit sign; blocked door');
      // The findings changed, the verdict did not.
      expect([...page.text.matchAll(/govuk-tag--yellow">changed/g)]).toHaveLength(1);
      const zh = await agent.get('/officer/tasks/c-1%3Asite-inspection').set('Accept-Language', 'zh-CN').expect(200);
      expect(zh.text).toContain('第 1 次结果（已退回）');
    });

    it('says a task someone else decided is no longer waiting', async () => {
      const { agent, api } = officer();
      await signIn(agent);
      const page = await agent.get('/officer/tasks/c-2%3Adecision').expect(200);
      api.tasks = [];
      const late = await agent
        .post('/officer/tasks/c-2%3Adecision')
        .type('form')
        .send({ _csrf: csrfOf(page.text), decision: 'approve' })
        .expect(409);
      expect(late.text).toContain('no longer waiting for a decision');
      expect(api.decisions).toEqual([]);
    });

    it("looks a case up and takes a partner's task back, with a reason", async () => {
      const { agent, api } = officer();
      await signIn(agent);
      api.caseNow = {
        status: 'running',
        currentStep: { stepId: 'site-inspection', status: 'awaiting-partner', says: '…' },
      };
      expect((await agent.get('/officer/cases?caseId=c-9').expect(303)).headers.location).toBe('/officer/cases/c-9');
      const page = await agent.get('/officer/cases/c-9').expect(200);
      // The status in words, as the citizen's pages say it, not the API's code.
      expect(page.text).toContain('In progress');
      expect(page.text).toContain('Take the task back from the partner');
      expect(page.text).toContain('value="c-9:site-inspection"');
      const bare = await agent
        .post('/officer/cases/c-9/revoke')
        .type('form')
        .send({ _csrf: csrfOf(page.text), taskId: 'c-9:site-inspection', reason: 'no' })
        .expect(400);
      expect(bare.text).toContain('Say why, in a few words');
      const done = await agent
        .post('/officer/cases/c-9/revoke')
        .type('form')
        .send({ _csrf: csrfOf(page.text), taskId: 'c-9:site-inspection', reason: 'the inspector is ill' })
        .expect(303);
      expect(done.headers.location).toBe('/officer/cases/c-9?revoked=1');
      expect(api.revocations).toEqual([{ taskId: 'c-9:site-inspection', reason: 'the inspector is ill' }]);
      const late = await agent
        .post('/officer/cases/c-9/revoke')
        .type('form')
        .send({ _csrf: csrfOf(page.text), taskId: 'c-9:site-inspection', reason: 'once more, please' })
        .expect(409);
      expect(late.text).toContain('has no partner task to revoke');
    });
  });

  describe('the auditor dashboard', () => {
    const auditor = () => portal(new RecordingApi(), 'auditor', 'demo-auditor');

    it('shows a screenful of a long-used ledger, and finds any partner by a filter', async () => {
      const { agent, api } = auditor();
      api.extraPartners = 250;
      await signIn(agent);
      const all = await agent.get('/audit').expect(200);
      expect(all.text.match(/<th scope="row"/g)).toHaveLength(100);
      expect(all.text).toContain('Showing 100 of 251 rows. Filter by partner to find one.');
      // The last partner is not on the first screenful; the filter finds it.
      expect(all.text).not.toContain('swift-checks');
      const found = await agent.get('/audit?partner=SWIFT').expect(200);
      expect(found.text.match(/<th scope="row"/g)).toHaveLength(1);
      expect(found.text).toContain('swift-checks');
      expect(found.text).not.toContain('Showing');
      expect(found.text).toContain('value="SWIFT"');
      const none = await agent.get('/audit?partner=nobody').expect(200);
      expect(none.text).toContain('No partner matches “nobody”.');
    });

    it("shows the ledger's verdict and each partner's scorecard with its trend, day by day", async () => {
      const { agent, api } = auditor();
      await signIn(agent);
      const page = await agent.get('/audit').expect(200);
      expect(page.text).toContain('The hash chain holds: 1234 records, signed through record 1200.');
      expect(page.text).toContain('swift-checks');
      expect(page.text).toContain('75%');
      expect(page.text).toContain('90 seconds');
      // One count overall and one per day of the trend, each over its own window.
      expect(api.scorecardWindows).toHaveLength(1 + 7);
      expect(api.scorecardWindows.slice(1).map((w) => Date.parse(w!.until) - Date.parse(w!.since))).toEqual(
        Array(7).fill(86_400_000),
      );
      // Only today's bars: the other days had no tasks. Their labels say the same in words.
      expect(page.text.match(/class="app-trend__bar"/g)).toHaveLength(1);
      expect(page.text.match(/class="app-trend__bar app-trend__bar--time"/g)).toHaveLength(1);
      expect(page.text).toContain('On-time rate over the last 7 days: n/a, n/a, n/a, n/a, n/a, n/a, 75%');
      expect(page.text).toContain('Median turnaround over the last 7 days: n/a, n/a, n/a, n/a, n/a, n/a, 90 seconds');
      // Today's turnaround bar is the slowest of the week: full height.
      expect(page.text).toMatch(/class="app-trend__bar app-trend__bar--time" x="72" y="0" width="10" height="40"/);
    });

    it("shows a case's audit trail, and says when the ledger holds nothing for it", async () => {
      const { agent } = auditor();
      await signIn(agent);
      const lookup = await agent.get('/audit/cases?caseId=c-1').expect(303);
      expect(lookup.headers.location).toBe('/audit/cases/c-1');
      const trail = await agent.get('/audit/cases/c-1').expect(200);
      expect(trail.text).toContain('case.opened');
      expect(trail.text).toContain('citizen: demo-citizen-7');
      expect(trail.text).toContain('abababababababab');
      expect((await agent.get('/audit/cases/nope').expect(404)).text).toContain(
        'the ledger holds nothing for case nope',
      );
    });

    it('is for auditors only', async () => {
      const { agent } = portal();
      await signIn(agent);
      expect((await agent.get('/audit').expect(403)).text).toContain('This page is for auditors');
    });
  });

  describe('the agency console', () => {
    const admin = () => portal(new RecordingApi(), 'agency-admin', 'demo-admin-market-regulation', 'market-regulation');

    it("lists the agency's services with their versions, and the partners with what may be done to each", async () => {
      const { agent } = admin();
      await signIn(agent);
      const page = await agent.get('/agency').expect(200);
      expect(page.text).toContain('Agency: market-regulation');
      expect(page.text).toContain('2 (Active)');
      expect(page.text).toContain('Swift Checks');
      expect(page.text).toContain('value="suspended"');
      expect(page.text).not.toContain('value="active"');
    });

    it('publishes a definition, and lists every problem the API finds, keeping what was pasted', async () => {
      const { agent, api } = admin();
      await signIn(agent);
      const form = await agent.get('/agency/publish').expect(200);
      const bad = await agent
        .post('/agency/publish')
        .type('form')
        .send({ _csrf: csrfOf(form.text), definition: 'id: well-permit\ntitle: Private well permit\n' })
        .expect(422);
      expect(bad.text).toContain('body.steps: is required');
      expect(bad.text).toContain('body.application: is required');
      expect(bad.text).toContain('The definition has 2 problem(s), each listed above');
      expect(bad.text).toContain('title: Private well permit');
      const unreadable = await agent
        .post('/agency/publish')
        .type('form')
        .send({ _csrf: csrfOf(form.text), definition: 'id: [unclosed' })
        .expect(400);
      expect(unreadable.text).toContain('not readable YAML or JSON');
      const good = await agent
        .post('/agency/publish')
        .type('form')
        .send({ _csrf: csrfOf(form.text), definition: '{"id": "well-permit", "steps": []}' })
        .expect(303);
      expect(good.headers.location).toBe('/agency?published=well-permit%404');
      expect(api.published.at(-1)).toEqual({ id: 'well-permit', definition: { id: 'well-permit', steps: [] } });
      expect((await agent.get(good.headers.location as string).expect(200)).text).toContain(
        'well-permit version 4 is published',
      );
    });

    it("suspends a partner with a reason, and shows the API's refusal for another agency's", async () => {
      const { agent, api } = admin();
      await signIn(agent);
      const page = await agent.get('/agency').expect(200);
      const csrf = csrfOf(page.text);
      await agent
        .post('/agency/partners/swift-checks')
        .type('form')
        .send({ _csrf: csrf, action: 'suspended', reason: 'no' })
        .expect(400);
      const done = await agent
        .post('/agency/partners/swift-checks')
        .type('form')
        .send({ _csrf: csrf, action: 'suspended', reason: 'missed three deadlines' })
        .expect(303);
      expect(done.headers.location).toBe('/agency?changed=swift-checks%3Asuspended');
      expect(api.partnerChanges).toEqual([
        { id: 'swift-checks', status: 'suspended', reason: 'missed three deadlines' },
      ]);
      const refused = await agent
        .post('/agency/partners/other-agencys')
        .type('form')
        .send({ _csrf: csrf, action: 'terminated', reason: 'not ours to end' })
        .expect(403);
      expect(refused.text).toContain('other-agencys is contracted by social-security');
    });

    it('shows a new Kafka password once, and tells the browser not to keep it', async () => {
      const { agent } = admin();
      await signIn(agent);
      const page = await agent.get('/agency').expect(200);
      const rotated = await agent
        .post('/agency/partners/swift-checks')
        .type('form')
        .send({ _csrf: csrfOf(page.text), action: 'rotate' })
        .expect(200);
      expect(rotated.text).toContain('s3cret-once');
      expect(rotated.headers['cache-control']).toBe('no-store');
    });

    it("onboards a partner from a pasted profile and shows its Kafka access once; a bad profile's problems are listed", async () => {
      const { agent } = admin();
      await signIn(agent);
      const form = await agent.get('/agency/partners/new').expect(200);
      expect(form.text).toContain('Onboard a partner');
      const bad = await agent
        .post('/agency/partners')
        .type('form')
        .send({ _csrf: csrfOf(form.text), definition: 'id: quick-checks\nname: Quick Checks\ncapabilities: []\n' })
        .expect(422);
      expect(bad.text).toContain('body.capabilities: must have at least 1 item');
      expect(bad.text).toContain('name: Quick Checks');
      const done = await agent
        .post('/agency/partners')
        .type('form')
        .send({
          _csrf: csrfOf(form.text),
          definition: '{"id": "quick-checks", "name": "Quick Checks", "capabilities": ["background-check@1"]}',
        })
        .expect(200);
      expect(done.text).toContain('Kafka access for quick-checks, onboarded');
      expect(done.text).toContain('first-secret');
      expect(done.headers['cache-control']).toBe('no-store');
    });

    it("lists a service's running cases with their step and due date", async () => {
      const { agent } = admin();
      await signIn(agent);
      const overview = await agent.get('/agency').expect(200);
      expect(overview.text).toContain('href="/agency/services/business-licence/cases"');
      const page = await agent.get('/agency/services/business-licence/cases').expect(200);
      expect(page.text).toContain('Running cases: Business licence');
      expect(page.text).toContain('business-licence-7');
      expect(page.text).toContain('site inspection (awaiting-partner)');
      expect(page.text).toContain('3 December 2026 at 17:00');
    });
  });
});
