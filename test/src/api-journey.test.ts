import { CaseClient } from '@govmesh/case-client';
import {
  EngineReadiness,
  KafkaEventRecorder,
  KafkaPartnerRegistry,
  HttpAuditReader,
  SqlitePlatformStore,
  createServer,
  sweepRetention,
  type ApiDeps,
} from '@govmesh/api';
import { DevelopmentIssuer, type Role } from '@govmesh/tokens';
import { DOMAIN_EVENTS, RATING_WINDOW_DAYS } from '@govmesh/contracts/domain-events';
import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import { CloudEventPublisher, PartnerKafkaAccess } from '@govmesh/messaging';
import { createSimulatedPartner, type Partner } from '@govmesh/partner-sdk';
import { Connection } from '@temporalio/client';
import { startTracing, temporalClientTracing, type Tracing } from '@govmesh/telemetry/setup';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind } from '@opentelemetry/api';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

import { engines, platformPrincipal, testDataConverter } from './engines.js';
import { startLedger, untilLedgered, type TestLedger } from './ledger.js';
import { logLines, logger, runScoped, startPlatform, withDemoAgencyOffers, type TestPlatform } from './platform.js';

const terms = (types: string[]) => Object.fromEntries(types.map((t) => [t, { deadline: { hours: 48 }, capacity: 20 }]));
const { profiles, id, suffix } = runScoped(
  [
    ['checks', ['background-check@1']],
    ['inspections', ['site-inspection@1']],
    ['couriers', ['certificate-delivery@1']],
  ].map(([name, types]) => ({
    id: name as string,
    name: `API ${String(name)}`,
    capabilities: types as string[],
    terms: terms(types as string[]),
    status: 'active' as const,
  })) satisfies PartnerProfile[],
);

/** The business licence as published, with its service id made this run's own. */
const definition = {
  ...(parse(readFileSync(new URL('../../examples/business-licence.yaml', import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >),
  id: `business-licence-${suffix}`,
};
const application = {
  applicant: { name: 'Emmy Noether', dateOfBirth: '1982-03-23', nationalId: 'NID-23', email: 'emmy@example.org' },
  business: { name: 'Invariant Books', address: '23 Ring Road', activity: 'bookshop' },
};

describe('a business licence, driven only through the API, on the real engines', () => {
  let ledger: TestLedger;
  let platform: TestPlatform;
  let app: ReturnType<typeof createServer>;
  let connection: Connection;
  let publisher: CloudEventPublisher;
  let audit: HttpAuditReader;
  const partners: Partner[] = [];
  let tokens: DevelopmentIssuer;
  // Every span of every component in this process (the API, worker, bridge, partners, ledger).
  const spans = new InMemorySpanExporter();
  let tracing: Tracing;
  let caseId: string;
  let deps: ApiDeps;
  /** How far the API's clock runs ahead of the real one: retention counts on it. */
  let clockAheadMs = 0;
  /** Every task govmesh took back from a partner of this run, with who was told. */
  const revocations: Array<{ partnerId: string; taskId: string; code: string }> = [];
  /** What the partner SDK told each partner to delete. */
  const erasedAtPartners: Array<{ partnerId: string; taskId: string }> = [];
  const as = async (role: Role, subject: string, officerRoles: string[] = []) =>
    `Bearer ${await tokens.mint({ role, subject, officerRoles, ...(role === 'agency-admin' ? { agency: subject } : role === 'officer' ? { agency: 'market-regulation' } : {}) })}`;

  beforeAll(async () => {
    tracing = startTracing({ service: 'govmesh-e2e', exporter: spans });
    tokens = await DevelopmentIssuer.ephemeral();
    const { createKafka, ScramUsers } = await import('@govmesh/messaging');
    const kafka = createKafka({
      clientId: `e2e-ledger-${suffix}`,
      brokers: engines().kafkaBrokers,
      logger,
      credentials: platformPrincipal('admin'),
    });
    ledger = await startLedger(kafka, suffix);
    // The API acts as its own principal, as in production: onboarding makes the partners' Kafka users.
    const apiCredentials = platformPrincipal('api');
    const apiKafka = createKafka({
      clientId: `e2e-api-${suffix}`,
      brokers: engines().kafkaBrokers,
      logger,
      credentials: apiCredentials,
    });
    publisher = new CloudEventPublisher(apiKafka);
    connection = await Connection.connect({ address: engines().temporalAddress });
    const { Client } = await import('@temporalio/client');
    const client = new Client({
      connection,
      interceptors: temporalClientTracing(),
      dataConverter: testDataConverter(),
    });
    audit = new HttpAuditReader(ledger.readModel.url, ledger.readModel.secret);
    deps = {
      store: await withDemoAgencyOffers(new SqlitePlatformStore(':memory:')),
      cases: new CaseClient(client, { taskQueue: `e2e-cases-${suffix}` }),
      partners: new KafkaPartnerRegistry({
        kafka: apiKafka,
        publisher,
        cases: new CaseClient(client, { taskQueue: `e2e-cases-${suffix}` }),
        logger,
        users: new ScramUsers(engines().kafkaBrokers, apiCredentials),
        partnerBrokers: engines().kafkaBrokers,
      }),
      audit,
      events: new KafkaEventRecorder(publisher),
      readiness: new EngineReadiness(apiKafka, connection),
      tokens: tokens.verifier(),
      logger,
      now: () => new Date(Date.now() + clockAheadMs),
      // The journey reads the figures of its own single case: publish counts from one.
      smallCountThreshold: 1,
    };
    app = createServer(deps);
  }, 60_000);

  afterAll(async () => {
    // The registry topic is shared: leave no active partner of this run behind for other runs to pick.
    const admin = await as('agency-admin', 'market-regulation');
    for (const profile of profiles) {
      await request(app)
        .patch(`/v1/partners/${profile.id}`)
        .set('authorization', admin)
        .send({ status: 'terminated', reason: 'end of the test run' });
    }
    await Promise.all(partners.map((p) => p.stop()));
    await platform?.stop();
    await ledger?.stop();
    await publisher?.close();
    await connection?.close();
    await tracing?.shutdown();
  });

  it('publish, onboard, submit, decide, read the status, rate, verify', async () => {
    const admin = await as('agency-admin', 'market-regulation');
    expect((await request(app).get('/readyz')).body).toMatchObject({ ok: true });
    await request(app)
      .put(`/v1/services/${String(definition.id)}`)
      .set('authorization', admin)
      .send(definition)
      .expect(201);
    // Another agency cannot publish it; a token of another issuer, or an expired one, is refused.
    const taxOffice = await as('agency-admin', 'tax-office');
    const next = { ...definition, version: Number((definition as Record<string, unknown>).version) + 1 };
    expect(
      (
        await request(app)
          .put(`/v1/services/${String(definition.id)}`)
          .set('authorization', taxOffice)
          .send(next)
          .expect(403)
      ).body,
    ).toMatchObject({ code: 'AUTH.NOT_OWNER' });
    const forged = await (
      await DevelopmentIssuer.ephemeral()
    ).mint({ role: 'agency-admin', subject: 'mallory', agency: 'market-regulation' });
    await request(app)
      .put(`/v1/services/${String(definition.id)}`)
      .set('authorization', `Bearer ${forged}`)
      .send(next)
      .expect(401);
    const expired = await tokens.mint(
      { role: 'agency-admin', subject: 'market-regulation', agency: 'market-regulation' },
      Math.floor(Date.now() / 1000) - 60,
    );
    await request(app)
      .put(`/v1/services/${String(definition.id)}`)
      .set('authorization', `Bearer ${expired}`)
      .send(next)
      .expect(401);
    const access = new Map<string, PartnerKafkaAccess>();
    for (const profile of profiles) {
      const { status: _status, ...body } = profile;
      const onboarded = await request(app).post('/v1/partners').set('authorization', admin).send(body).expect(201);
      access.set(profile.id, PartnerKafkaAccess.parse((onboarded.body as { kafka: unknown }).kafka));
    }
    // The worker knows no partner but what the registry topic tells it.
    platform = await startPlatform(profiles, suffix, { registry: (p) => p.id.endsWith(`-${suffix}`) });
    expect(platform.directory.ids()).toEqual(profiles.map((p) => p.id).sort());
    for (const profile of profiles) {
      // Each partner connects as itself, with the credentials its onboarding answered.
      const partner = createSimulatedPartner({
        partnerId: profile.id,
        access: access.get(profile.id),
        logger,
        capabilities: profile.capabilities,
        behaviour: { latencyMs: { min: 20, max: 60 } },
        onRevocation: (r) => revocations.push({ partnerId: profile.id, taskId: r.taskId, code: r.code }),
        onErasure: (e) => void erasedAtPartners.push({ partnerId: profile.id, taskId: e.taskId }),
      });
      partners.push(partner);
      await partner.start();
    }

    const citizen = await as('citizen', `citizen-${suffix}`);
    const submitted = await request(app)
      .post('/v1/cases')
      .set('authorization', citizen)
      .set('idempotency-key', `apply-${suffix}`)
      .send({ serviceId: definition.id, application })
      .expect(202);
    caseId = (submitted.body as { caseId: string }).caseId;

    const officer = await as('officer', 'officer-grace', ['licensing-officer']);
    const decide = async (stepId: string, kind: string) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const inbox = (await request(app).get('/v1/tasks').set('authorization', officer).expect(200)).body as Array<{
          taskId: string;
          kind: string;
        }>;
        const task = inbox.find((t) => t.taskId === `${caseId}:${stepId}`);
        if (task) {
          expect(task.kind).toBe(kind);
          await request(app)
            .post(`/v1/tasks/${task.taskId}/decision`)
            .set('authorization', officer)
            .send({ decision: 'approve', reasons: ['in order'] })
            .expect(202);
          return;
        }
        if (Date.now() > deadline)
          throw new Error(`no ${kind} task for ${stepId} within 30 s: ${JSON.stringify(inbox)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    await decide('site-inspection', 'review');
    await decide('decision', 'officer');

    const deadline = Date.now() + 30_000;
    let view = (await request(app).get(`/v1/cases/${caseId}`).set('authorization', citizen).expect(200)).body as {
      status: string;
      timeline: Array<{ what: string }>;
    };
    while (view.status === 'running' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      view = (await request(app).get(`/v1/cases/${caseId}`).set('authorization', citizen).expect(200))
        .body as typeof view;
    }
    expect(view).toMatchObject({ status: 'completed', decision: 'approved' });
    await untilLedgered(ledger.store, caseId, DOMAIN_EVENTS.caseCompleted.type);
    view = (await request(app).get(`/v1/cases/${caseId}`).set('authorization', citizen).expect(200))
      .body as typeof view;
    expect(view.timeline.map((e) => e.what)).toEqual(
      expect.arrayContaining([
        'Your application was received; it is due by ' + (view as unknown as { deadline: string }).deadline,
        'Your case was decided: approved',
      ]),
    );
    expect(JSON.stringify(view)).not.toContain(id('checks')); // the citizen never sees which partner worked on the case
    // Rated within RATING_WINDOW_DAYS of the end Temporal records for the case.
    const { Client } = await import('@temporalio/client');
    const { closeTime } = await new Client({ connection, dataConverter: testDataConverter() }).workflow
      .getHandle(caseId)
      .describe();
    expect((view as unknown as { ratingOpenUntil: string }).ratingOpenUntil).toBe(
      new Date(closeTime!.getTime() + RATING_WINDOW_DAYS * 24 * 3600 * 1000).toISOString(),
    );

    await request(app).post(`/v1/cases/${caseId}/rating`).set('authorization', citizen).send({ score: 5 }).expect(201);
    await untilLedgered(ledger.store, caseId, DOMAIN_EVENTS.satisfactionRated.type);

    const auditor = await as('auditor', 'court-of-audit');
    expect((await request(app).get('/v1/audit/verify').set('authorization', auditor).expect(200)).body).toMatchObject({
      ok: true,
      firstBroken: null,
    });
    const trail = (await request(app).get(`/v1/cases/${caseId}/audit`).set('authorization', auditor).expect(200))
      .body as Array<{ type: string; actor: { kind: string; id: string } }>;
    expect(trail.filter((e) => e.type === DOMAIN_EVENTS.reviewDecided.type).map((e) => e.actor.id)).toEqual([
      'officer-grace',
      'officer-grace',
    ]);
    const card = (
      await request(app)
        .get(`/v1/partners/${id('checks')}/scorecard`)
        .set('authorization', await as('partner', id('checks')))
        .expect(200)
    ).body as Array<{ assigned: number; completedOnTime: number; satisfaction: { average: number } }>;
    expect(card).toEqual([
      expect.objectContaining({ assigned: 1, completedOnTime: 1, satisfaction: { ratings: 1, average: 5 } }),
    ]);
    const figures = (await request(app).get('/v1/transparency').expect(200)).body as Array<{
      serviceId: string;
      completed: number;
    }>;
    expect(figures.find((f) => f.serviceId === definition.id)).toMatchObject({
      received: 1,
      completed: 1,
      withinStatutoryDeadline: 1,
    });
  }, 120_000);

  it("one trace follows the case from the citizen's request to the partner, back through the bridge, and into the ledger", () => {
    const all = spans.getFinishedSpans();
    const request_ = all.find(
      (s) => s.kind === SpanKind.SERVER && s.attributes['http.route'] === '/v1/cases' && s.name.startsWith('POST'),
    );
    expect(
      request_,
      `no server span for POST /v1/cases among ${all.length} spans: ${JSON.stringify([...new Set(all.filter((s) => s.name !== 'audit append').map((s) => `${s.kind}:${s.name}:${String(s.attributes['http.route'])}`))].slice(0, 80))}`,
    ).toBeDefined();
    const trace = all.filter((s) => s.spanContext().traceId === request_!.spanContext().traceId);
    const byId = new Map(trace.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (s: ReadableSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);
    const named = (prefix: string, where: (s: ReadableSpan) => boolean = () => true) => {
      const found = trace.filter((s) => s.name.startsWith(prefix) && where(s));
      expect(
        found.length,
        `${prefix} in the trace: ${[...new Set(trace.map((s) => s.name))].join(', ')}`,
      ).toBeGreaterThan(0);
      return found;
    };
    // API request → the case's workflow (Temporal headers carry the context).
    const start = named('StartWorkflow:', (s) => parentOf(s) === request_)[0]!;
    // The dispatch: an activity of the case publishes task.assigned with its traceparent …
    const partnerSpan = named(
      'partner task background-check@1',
      (s) => s.attributes['govmesh.task.id'] === `${caseId}:background-check`,
    )[0]!;
    const dispatch = parentOf(partnerSpan)!;
    expect(dispatch.name).toBe('RunActivity:dispatchToChosenPartner');
    expect(dispatch.attributes.temporalWorkflowId).toBe(caseId);
    expect(parentOf(dispatch)).toBe(start);
    // … the partner's result carries the partner's span to the bridge, whose Update joins the case.
    const handOver = named('bridge hand-over', (s) => parentOf(s) === partnerSpan)[0]!;
    expect(handOver.attributes['govmesh.result.outcome']).toBe('accepted');
    expect(named('StartWorkflowUpdate:submitTaskResult', (s) => parentOf(s) === handOver)).toHaveLength(1);
    // … and the case goes on, in the same trace, to its next partner.
    named('partner task site-inspection@1', (s) => s.attributes['govmesh.task.id'] === `${caseId}:site-inspection`);
    // The ledger's append of the case's events, each in the trace of the span that published it.
    const appends = named('audit append', (s) => s.attributes['govmesh.case.id'] === caseId);
    expect(appends.map((s) => s.attributes['govmesh.event.type'])).toEqual(
      expect.arrayContaining([DOMAIN_EVENTS.caseSubmitted.type, DOMAIN_EVENTS.caseCompleted.type]),
    );
    expect(appends.every((s) => parentOf(s) !== undefined)).toBe(true);
    // Ids and codes only: nothing of the application is in any span.
    const recorded = JSON.stringify(trace.map((s) => [s.name, s.attributes, s.events]));
    for (const personal of ['Emmy Noether', 'NID-23', '1982-03-23', 'emmy@example.org', 'Invariant Books'])
      expect(recorded).not.toContain(personal);
  });

  it('logs no field the form marks personal: not the API, the worker, the bridge, the partners or the ledger', () => {
    // The components of this journey logged through one logger, at info and above, about this case too.
    expect(logLines.filter((l) => l.includes(caseId)).length).toBeGreaterThan(3);
    for (const personal of ['Emmy Noether', 'NID-23', '1982-03-23', 'emmy@example.org'])
      expect(logLines.filter((l) => l.includes(personal))).toEqual([]);
  });

  it("erases personal data: a case once its service's retention has passed, a citizen's on an approved request", async () => {
    const DAY = 86_400_000;
    const auditor = await as('auditor', 'court-of-audit');
    // Temporal deletes a history in the background: about ten seconds after a case has just ended.
    const historyGone = async (id_: string) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const gone = await platform.client.workflow
          .getHandle(id_)
          .describe()
          .then(
            () => false,
            (err: Error) => err.name === 'WorkflowNotFoundError',
          );
        if (gone || Date.now() > deadline) return gone;
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    // The completed case counts down its 30 days (examples/business-licence.yaml) from its close.
    expect(await sweepRetention(deps)).toEqual({ closedSeen: 1, erased: 0, failed: 0 });
    clockAheadMs = 31 * DAY;
    expect(await sweepRetention(deps)).toEqual({ closedSeen: 0, erased: 1, failed: 0 });
    expect(await historyGone(caseId)).toBe(true);
    const records = await untilLedgered(ledger.store, caseId, DOMAIN_EVENTS.caseErased.type);
    expect(records.find((r) => r.type === DOMAIN_EVENTS.caseErased.type)!.facts).toMatchObject({
      basis: 'retention',
      partnersTold: profiles.map((p) => p.id).sort(),
    });
    // Every partner that received some of its fields was told to delete them.
    const told = () => revocations.filter((r) => r.code === 'CASE.ERASED' && r.taskId.startsWith(`${caseId}:`));
    for (let i = 0; i < 100 && told().length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    expect(
      told()
        .map((r) => r.partnerId)
        .sort(),
    ).toEqual(profiles.map((p) => p.id).sort());
    // Nobody reads the case any more; the ledger keeps its facts and still verifies.
    await request(app)
      .get(`/v1/cases/${caseId}`)
      .set('authorization', await as('citizen', `citizen-${suffix}`))
      .expect(404);
    expect(
      (await request(app).get(`/v1/cases/${caseId}`).set('authorization', auditor).expect(410)).body,
    ).toMatchObject({ code: 'CASE.ERASED' });
    expect((await request(app).get('/v1/audit/verify').set('authorization', auditor).expect(200)).body).toMatchObject({
      ok: true,
      firstBroken: null,
    });

    // Another citizen asks for erasure while their case still runs: the case is kept until it closes.
    const citizen = await as('citizen', `citizen-2-${suffix}`);
    const second = (
      (
        await request(app)
          .post('/v1/cases')
          .set('authorization', citizen)
          .send({ serviceId: definition.id, application })
          .expect(202)
      ).body as { caseId: string }
    ).caseId;
    await untilLedgered(ledger.store, second, DOMAIN_EVENTS.caseSubmitted.type);
    const filed = (
      await request(app)
        .post('/v1/erasure-requests')
        .set('authorization', citizen)
        .send({ reason: 'moved abroad' })
        .expect(201)
    ).body as { id: string };
    const approve = () =>
      request(app)
        .post(`/v1/erasure-requests/${filed.id}/decision`)
        .set('authorization', auditor)
        .send({ decision: 'approve', reason: 'the purpose of processing has been achieved' })
        .expect(200);
    expect((await approve()).body).toMatchObject({
      status: 'approved',
      outcomes: [{ caseId: second, outcome: 'kept', reason: expect.stringContaining('still running') as unknown }],
    });
    expect((await platform.client.workflow.getHandle(second).describe()).status.name).toBe('RUNNING');
    // Once the case has ended, approving again erases it, and the ledger names the request.
    await platform.client.workflow.getHandle(second).terminate('withdrawn by the applicant');
    expect((await approve()).body).toMatchObject({ outcomes: [{ caseId: second, outcome: 'erased' }] });
    expect(await historyGone(second)).toBe(true);
    const secondRecords = await untilLedgered(ledger.store, second, DOMAIN_EVENTS.caseErased.type);
    expect(secondRecords.find((r) => r.type === DOMAIN_EVENTS.caseErased.type)!.facts).toMatchObject({
      basis: 'request',
      requestId: filed.id,
    });
  }, 180_000);

  it("keeps a service's legal time limit: the applicant's time is not counted, a breach goes to the head of unit, the citizen is told and the figures count it", async () => {
    const admin = await as('agency-admin', 'market-regulation');
    const timed = {
      apiVersion: 'govmesh/v1',
      kind: 'Service',
      id: `timed-licence-${suffix}`,
      version: 1,
      title: 'A licence with a legal time limit of seconds',
      ownerAgency: 'market-regulation',
      statutoryDeadline: { seconds: 6 },
      statutoryWarningAt: 0.5,
      escalation: { chain: ['licensing-supervisor', 'head-of-licensing'] },
      application: { schema: 'business-licence-application@1' },
      steps: [
        {
          id: 'more-details',
          citizenInput: { fields: ['business.activity'], prompt: 'What exactly will the business do?' },
        },
        {
          id: 'decision',
          classification: { core: true, critical: true },
          officer: { role: 'licensing-officer', deadline: { hours: 1 } },
        },
      ],
    };
    await request(app).put(`/v1/services/${timed.id}`).set('authorization', admin).send(timed).expect(201);
    const applicant = await as('citizen', `citizen-timed-${suffix}`);
    const submitted = await request(app)
      .post('/v1/cases')
      .set('authorization', applicant)
      .set('idempotency-key', `timed-${suffix}`)
      .send({ serviceId: timed.id, application })
      .expect(202);
    const timedCase = (submitted.body as { caseId: string }).caseId;
    type View = { status: string; deadline: string; deadlineStatus?: string; timeline: Array<{ what: string }> };
    const viewOf = async () =>
      (await request(app).get(`/v1/cases/${timedCase}`).set('authorization', applicant).expect(200)).body as View;
    const until = async (what: string, holds: (v: View) => boolean, ms = 20_000): Promise<View> => {
      const deadline = Date.now() + ms;
      for (;;) {
        const view = await viewOf();
        if (holds(view)) return view;
        if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms: ${JSON.stringify(view)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const paused = await until('the clock paused', (v) => v.deadlineStatus === 'paused');
    // The applicant takes longer than the whole time limit: it does not run against them.
    await new Promise((r) => setTimeout(r, 7_000));
    expect(await viewOf()).toMatchObject({ deadlineStatus: 'paused', deadline: paused.deadline });
    await request(app)
      .post(`/v1/cases/${timedCase}/input`)
      .set('authorization', applicant)
      .send({ stepId: 'more-details', values: { 'business.activity': 'bookshop and reading room' } })
      .expect(202);
    const running = await until('the clock running again', (v) => v.deadlineStatus === 'running');
    expect(Date.parse(running.deadline) - Date.parse(paused.deadline)).toBeGreaterThanOrEqual(6_500);
    const breached = await until('the breach', (v) => v.deadlineStatus === 'breached');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(running.deadline));
    // The decision went straight to the top of the service's chain: the head of unit has it, the officer not.
    const inboxOf = async (roles: string[]) =>
      (
        (
          await request(app)
            .get('/v1/tasks')
            .set('authorization', await as('officer', `officer-${roles[0]}`, roles))
            .expect(200)
        ).body as Array<{ taskId: string }>
      ).map((t) => t.taskId);
    expect(await inboxOf(['head-of-licensing'])).toContain(`${timedCase}:decision`);
    expect(await inboxOf(['licensing-officer'])).not.toContain(`${timedCase}:decision`);
    await untilLedgered(ledger.store, timedCase, DOMAIN_EVENTS.statutoryDeadlineBreached.type);
    expect((await viewOf()).timeline.map((e) => e.what)).toEqual(
      expect.arrayContaining([
        'The time limit for deciding stands still until you answer',
        `The time limit runs again: your case is now due by ${running.deadline}`,
        expect.stringMatching(/^Your case has passed its legal time limit/),
      ]),
    );
    expect(breached.status).toBe('running');
    await request(app)
      .post(`/v1/tasks/${timedCase}:decision/decision`)
      .set('authorization', await as('officer', 'officer-head', ['head-of-licensing']))
      .send({ decision: 'approve', reasons: ['late, but in order'] })
      .expect(202);
    await untilLedgered(ledger.store, timedCase, DOMAIN_EVENTS.caseCompleted.type);
    const figures = (await request(app).get('/v1/transparency').expect(200)).body as Array<{ serviceId: string }>;
    expect(figures.find((f) => f.serviceId === timed.id)).toMatchObject({
      received: 1,
      completed: 1,
      withinStatutoryDeadline: 0,
      statutoryBreaches: 1,
    });
    const trail = await untilLedgered(ledger.store, timedCase, DOMAIN_EVENTS.caseCompleted.type);
    expect(trail.filter((r) => r.type.includes('statutory')).map((r) => r.type)).toEqual([
      DOMAIN_EVENTS.statutoryClockPaused.type,
      DOMAIN_EVENTS.statutoryClockResumed.type,
      DOMAIN_EVENTS.statutoryDeadlineNear.type,
      DOMAIN_EVENTS.statutoryDeadlineBreached.type,
    ]);
  }, 120_000);
  it('pages an officer inbox from the real index: overdue cases first, then newest first, each case once, the next page in the Link header', async () => {
    const admin = await as('agency-admin', 'market-regulation');
    const role = `paging-officer-${suffix}`;
    // Two services for the one role: a decision due in an hour, and one due in three.
    const servicesDueIn = [1, 3].map((hours) => ({
      apiVersion: 'govmesh/v1',
      kind: 'Service',
      id: `paged-licence-${hours}h-${suffix}`,
      version: 1,
      title: `A licence decided by an officer within ${hours} hours`,
      ownerAgency: 'market-regulation',
      application: { schema: 'business-licence-application@1' },
      steps: [
        { id: 'decision', classification: { core: true, critical: true }, officer: { role, deadline: { hours } } },
      ],
    }));
    for (const service of servicesDueIn)
      await request(app).put(`/v1/services/${service.id}`).set('authorization', admin).send(service).expect(201);
    const opened: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const submitted = await request(app)
        .post('/v1/cases')
        .set('authorization', await as('citizen', `citizen-paged-${i}-${suffix}`))
        .set('idempotency-key', `paged-${i}-${suffix}`)
        .send({ serviceId: servicesDueIn[i % 2 === 1 ? 0 : 1]!.id, application })
        .expect(202);
      opened.push((submitted.body as { caseId: string }).caseId);
    }
    const officer = await as('officer', `officer-paged-${suffix}`, [role]);
    const pageOf = async (path: string) => {
      const res = await request(app).get(path).set('authorization', officer).expect(200);
      const link = res.headers.link;
      return {
        cases: (res.body as Array<{ caseId: string }>).map((t) => t.caseId),
        next: link ? /^<([^>]+)>; rel="next"$/.exec(link)![1] : undefined,
      };
    };
    // The index lists a case moments after it starts waiting: until one page holds all five.
    const deadline = Date.now() + 30_000;
    while ((await pageOf('/v1/tasks?pageSize=10')).cases.length < opened.length) {
      if (Date.now() > deadline) throw new Error('the index did not list the five cases within 30 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    const walk = async () => {
      const pages: string[][] = [];
      let next: string | undefined = '/v1/tasks?pageSize=2';
      while (next) {
        const page = await pageOf(next);
        pages.push(page.cases);
        next = page.next;
      }
      return pages;
    };
    // The API's clock as an earlier test left it, put back after.
    const clockBefore = clockAheadMs;
    try {
      // Now nothing is overdue: newest case first.
      clockAheadMs = 0;
      const today = await walk();
      expect(today.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(today.flat()).toEqual([...opened].reverse());
      // Two hours on, the cases due in an hour are overdue: they come first, each part newest first.
      clockAheadMs = 2 * 60 * 60 * 1000;
      expect(await walk()).toEqual([[opened[3], opened[1]], [opened[4], opened[2]], [opened[0]]]);
    } finally {
      clockAheadMs = clockBefore;
    }
    const refused = await request(app)
      .get('/v1/tasks?pageSize=2&pageToken=AAAA')
      .set('authorization', officer)
      .expect(400);
    expect(refused.body).toMatchObject({ code: 'REQUEST.INVALID', errors: [{ path: 'query.pageToken' }] });
  }, 60_000);
});
