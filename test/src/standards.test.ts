import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

import {
  EngineReadiness,
  HttpAuditReader,
  KafkaEventRecorder,
  KafkaPartnerRegistry,
  SqlitePlatformStore,
  createServer,
} from '@govmesh/api';
import { CaseClient } from '@govmesh/case-client';
import { CloudEventPublisher, PartnerKafkaAccess, ScramUsers, createKafka } from '@govmesh/messaging';
import { DevelopmentIssuer, type Role } from '@govmesh/tokens';
import { Client, Connection } from '@temporalio/client';
import kafkajs, { type Consumer, type Producer } from 'kafkajs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { engines, platformPrincipal, testDataConverter } from './engines.js';
import { logger, startPlatform, withDemoAgencyOffers, type TestPlatform } from './platform.js';

/**
 * Standards as data, end to end on the real engines: an agency publishes a form and a task type no
 * code of govmesh knows, a service on them, and a laboratory written with a stock Kafka client
 * (plain JSON on the wire, no govmesh package) answers under the published output schema.
 */
const suffix = randomUUID().slice(0, 6);
const example = (path: string) =>
  parse(readFileSync(new URL(`../../examples/${path}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const taskType = example('standards/water-analysis.task-type.yaml');
const form = example('standards/well-permit-application.form.yaml');
const service = { ...example('well-permit.yaml'), id: `well-permit-${suffix}` };
const labId = `well-lab-${suffix}`;
const application = {
  applicant: { name: 'Rachel Carson', nationalId: 'NID-62', email: 'rachel@example.org' },
  well: { address: '7 Silent Spring Lane', depthMetres: 42 },
};
const laboratory = {
  id: labId,
  name: 'Well Water Laboratory',
  capabilities: ['water-analysis@1'],
  terms: { 'water-analysis@1': { deadline: { hours: 72 }, capacity: 10 } },
};
const LONG_LAB_NAME = 'Coastal Plain Hydrogeology and Water Quality Laboratory'; // 55 characters

interface TaskEvent {
  readonly deprecation?: string;
  readonly retention?: string;
  readonly data: { taskId: string; attempt: number; taskType: string; input: Record<string, unknown> };
}

/** A laboratory as another organisation would write it: kafkajs, its SASL credentials, JSON. */
class StockLaboratory {
  readonly tasks: TaskEvent[] = [];
  readonly refusals: Array<{ taskId: string; code: string; reasons: string[] }> = [];
  private consumer!: Consumer;
  private producer!: Producer;
  constructor(private readonly access: PartnerKafkaAccess) {}

  async start(): Promise<void> {
    const kafka = new kafkajs.Kafka({
      clientId: labId,
      brokers: [...this.access.brokers],
      sasl: { mechanism: 'scram-sha-512', username: this.access.username, password: this.access.password },
      logLevel: kafkajs.logLevel.NOTHING,
    });
    this.producer = kafka.producer();
    await this.producer.connect();
    this.consumer = kafka.consumer({ groupId: `govmesh-partner-${labId}` });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: `govmesh.tasks.${labId}`, fromBeginning: true });
    await this.consumer.run({
      eachMessage: ({ message }) => {
        const event = JSON.parse(message.value!.toString('utf8')) as TaskEvent & { type: string; data: never };
        if (event.type === 'gov.govmesh.task.assigned.v1') this.tasks.push(event);
        if (event.type === 'gov.govmesh.task.rejected.v1') this.refusals.push(event.data);
        return Promise.resolve();
      },
    });
  }

  async task(caseId: string): Promise<TaskEvent> {
    return until(() => this.tasks.find((t) => t.data.taskId.startsWith(`${caseId}:`)), `a task for ${caseId}`);
  }

  async answer(task: TaskEvent, output: Record<string, unknown>): Promise<void> {
    const caseId = task.data.taskId.slice(0, task.data.taskId.lastIndexOf(':'));
    await this.producer.send({
      topic: `govmesh.results.${labId}`,
      messages: [
        {
          key: caseId,
          value: JSON.stringify({
            specversion: '1.0',
            id: randomUUID(),
            source: `/partners/${labId}`,
            type: 'gov.govmesh.task.result.v1',
            subject: caseId,
            time: new Date().toISOString(),
            datacontenttype: 'application/json',
            data: { taskId: task.data.taskId, attempt: task.data.attempt, outcome: 'completed', output },
          }),
        },
      ],
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
  }
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('standards as data, on the real engines', () => {
  let tokens: DevelopmentIssuer;
  let app: ReturnType<typeof createServer>;
  let connection: Connection;
  let publisher: CloudEventPublisher;
  let cases: CaseClient;
  let platform: TestPlatform;
  let lab: StockLaboratory;
  const as = async (role: Role, subject: string, officerRoles: string[] = []) =>
    `Bearer ${await tokens.mint({ role, subject, officerRoles, ...(role === 'citizen' ? {} : { agency: 'environment' }) })}`;

  beforeAll(async () => {
    tokens = await DevelopmentIssuer.ephemeral();
    const apiCredentials = platformPrincipal('api');
    const apiKafka = createKafka({
      clientId: `e2e-standards-${suffix}`,
      brokers: engines().kafkaBrokers,
      logger,
      credentials: apiCredentials,
    });
    publisher = new CloudEventPublisher(apiKafka);
    connection = await Connection.connect({ address: engines().temporalAddress });
    cases = new CaseClient(new Client({ connection, dataConverter: testDataConverter() }), {
      taskQueue: `e2e-cases-${suffix}`,
    });
    app = createServer({
      store: await withDemoAgencyOffers(new SqlitePlatformStore(':memory:')),
      cases,
      partners: new KafkaPartnerRegistry({
        kafka: apiKafka,
        publisher,
        cases,
        logger,
        users: new ScramUsers(engines().kafkaBrokers, apiCredentials),
        partnerBrokers: engines().kafkaBrokers,
      }),
      // This test reads cases from Temporal; nothing here asks the ledger.
      audit: new HttpAuditReader('http://127.0.0.1:9', 'x'.repeat(43)),
      events: new KafkaEventRecorder(publisher),
      readiness: new EngineReadiness(apiKafka, connection),
      tokens: tokens.verifier(),
      logger,
    });
  }, 60_000);

  afterAll(async () => {
    if (app)
      await request(app)
        .patch(`/v1/partners/${labId}`)
        .set('authorization', await as('agency-admin', 'admin-env'))
        .send({ status: 'terminated', reason: 'end of the test run' });
    await lab?.stop();
    await platform?.stop();
    await publisher?.close();
    await connection?.close();
  });

  const submit = async () => {
    const submitted = await request(app)
      .post('/v1/cases')
      .set('authorization', await as('citizen', `citizen-${suffix}`))
      .send({ serviceId: service.id, application })
      .expect(202);
    return (submitted.body as { caseId: string }).caseId;
  };
  const decideAndFinish = async (caseId: string) => {
    const officer = await as('officer', 'officer-rachel', ['environment-officer']);
    const task = await until(async () => {
      const inbox = (await request(app).get('/v1/tasks').set('authorization', officer).expect(200)).body as Array<{
        taskId: string;
      }>;
      return inbox.find((t) => t.taskId === `${caseId}:decision`);
    }, `the decision of ${caseId} in the inbox`);
    await request(app)
      .post(`/v1/tasks/${task.taskId}/decision`)
      .set('authorization', officer)
      .send({ decision: 'approve', reasons: ['the water is fit to drink'] })
      .expect(202);
    return until(async () => {
      const state = await cases.state(caseId);
      return state && state.status !== 'running' ? state : undefined;
    }, `the end of ${caseId}`);
  };
  const outputOf = async (caseId: string) => (await cases.state(caseId))?.steps['water-analysis']?.output;

  it('a new form, a new task type and a service on them: a stock Kafka partner answers and the case completes', async () => {
    const admin = await as('agency-admin', 'admin-env');
    const published = await request(app)
      .put('/v1/task-types/water-analysis/1')
      .set('authorization', admin)
      .send(taskType);
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    await request(app).put('/v1/forms/well-permit-application/1').set('authorization', admin).send(form).expect(201);
    const svc = await request(app).put(`/v1/services/${service.id}`).set('authorization', admin).send(service);
    expect(svc.status, JSON.stringify(svc.body)).toBe(201);
    expect(svc.body).toMatchObject({
      contracts: {
        application: { ref: 'well-permit-application@1', revision: 1 },
        taskTypes: { 'water-analysis@1': 1 },
      },
      warnings: [],
    });
    const onboarded = await request(app).post('/v1/partners').set('authorization', admin).send(laboratory).expect(201);
    // The worker learns of the laboratory from the partner registry topic, as in production.
    platform = await startPlatform([{ ...laboratory, status: 'active' }], suffix, { registry: (p) => p.id === labId });
    lab = new StockLaboratory(PartnerKafkaAccess.parse((onboarded.body as { kafka: unknown }).kafka));
    await lab.start();

    const caseId = await submit();
    const task = await lab.task(caseId);
    // Data minimization by the published contract: the laboratory sees the well, not who applied.
    expect(task.data).toMatchObject({ taskType: 'water-analysis@1', input: { well: application.well } });
    expect(task.data.input).not.toHaveProperty('applicant');
    expect(task.deprecation).toBeUndefined();
    // How long the laboratory may keep the case's data: the service states none, so a year.
    expect(task.retention).toBe('P365D');
    // An output that breaks the published schema is refused with the path, and the case waits.
    await lab.answer(task, { potable: 'yes' });
    const refusal = await until(() => lab.refusals.find((r) => r.taskId === task.data.taskId), 'a refusal');
    expect(refusal).toMatchObject({ code: 'CONTRACT.INVALID_OUTPUT' });
    expect(refusal.reasons.sort()).toEqual(['output.potable: must be boolean', 'output.sampledOn: is required']);
    await lab.answer(task, { potable: true, sampledOn: '2026-11-30', nitrateMgPerL: 12.5 });
    await until(async () => (await outputOf(caseId)) ?? undefined, 'the accepted output');
    expect(await decideAndFinish(caseId)).toMatchObject({ status: 'completed', decision: 'approved' });
  }, 90_000);

  it('refuses a breaking revision with its list; a compatible one is accepted while an older case finishes under its own', async () => {
    const admin = await as('agency-admin', 'admin-env');
    const breaking = structuredClone(taskType) as {
      output: { required: string[] };
      input: { properties: Record<string, unknown> };
    };
    breaking.output.required.push('nitrateMgPerL');
    delete breaking.input.properties.well;
    const refused = await request(app)
      .put('/v1/task-types/water-analysis/1')
      .set('authorization', admin)
      .send(breaking)
      .expect(409);
    expect(refused.body).toMatchObject({ code: 'CONTRACT.INCOMPATIBLE' });
    expect((refused.body as { errors: Array<{ path: string }> }).errors.map((e) => e.path).sort()).toEqual([
      'body.input.well',
      'body.output.nitrateMgPerL',
    ]);

    // A case waits on the laboratory under revision 1 (laboratory names up to 40 characters) ...
    const older = await submit();
    const olderTask = await lab.task(older);
    // ... when revision 2 lets laboratories give names up to 200 characters (compatible: looser output).
    const looser = structuredClone(taskType) as { output: { properties: { laboratory: { maxLength: number } } } };
    looser.output.properties.laboratory.maxLength = 200;
    const r2 = await request(app)
      .put('/v1/task-types/water-analysis/1')
      .set('authorization', admin)
      .send(looser)
      .expect(201);
    expect(r2.body).toMatchObject({ revision: 2 });
    // The older case still holds its partner to revision 1, and accepts what revision 1 accepts.
    await lab.answer(olderTask, { potable: true, sampledOn: '2026-11-30', laboratory: LONG_LAB_NAME });
    const refusal = await until(() => lab.refusals.find((r) => r.taskId === olderTask.data.taskId), 'a refusal');
    expect(refusal.reasons).toEqual(['output.laboratory: must NOT have more than 40 characters']);
    await lab.answer(olderTask, { potable: true, sampledOn: '2026-11-30', laboratory: 'Well Lab' });
    await until(async () => (await outputOf(older)) ?? undefined, 'the older case output');
    expect(await decideAndFinish(older)).toMatchObject({ status: 'completed' });

    // A new version pins revision 2: its cases accept the longer name.
    const v2 = await request(app)
      .put(`/v1/services/${service.id}`)
      .set('authorization', admin)
      .send({ ...service, version: 2 })
      .expect(201);
    expect(v2.body).toMatchObject({ contracts: { taskTypes: { 'water-analysis@1': 2 } } });
    const newer = await submit();
    await lab.answer(await lab.task(newer), { potable: true, sampledOn: '2026-11-30', laboratory: LONG_LAB_NAME });
    expect(await until(() => outputOf(newer), 'the newer case output')).toMatchObject({ laboratory: LONG_LAB_NAME });
    expect(await decideAndFinish(newer)).toMatchObject({ status: 'completed' });
  }, 120_000);

  it('flags a deprecated major on the wire during its window, and refuses it at publish after its sunset', async () => {
    const admin = await as('agency-admin', 'admin-env');
    const v2Major = structuredClone(taskType);
    await request(app)
      .put('/v1/task-types/water-analysis/2')
      .set('authorization', admin)
      .send({ ...v2Major, major: 2 })
      .expect(201);
    const looser = structuredClone(taskType) as { output: { properties: { laboratory: { maxLength: number } } } };
    looser.output.properties.laboratory.maxLength = 200;
    const deprecate = (sunset: string) =>
      request(app)
        .put('/v1/task-types/water-analysis/1')
        .set('authorization', admin)
        .send({ ...looser, deprecation: { replacedBy: 'water-analysis@2', sunset } });
    expect((await deprecate('2099-12-31').expect(201)).body).toMatchObject({ revision: 3, lifecycle: 'deprecated' });
    const v3 = await request(app)
      .put(`/v1/services/${service.id}`)
      .set('authorization', admin)
      .send({ ...service, version: 3 })
      .expect(201);
    expect((v3.body as { warnings: Array<{ message: string }> }).warnings).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/water-analysis@1 is deprecated and served until 2099-12-31/) as unknown,
      }),
    ]);
    const caseId = await submit();
    const task = await lab.task(caseId);
    expect(task.deprecation).toBe('sunset=2099-12-31;replacedBy=water-analysis@2');
    await lab.answer(task, { potable: true, sampledOn: '2026-11-30' });
    expect(await decideAndFinish(caseId)).toMatchObject({ status: 'completed' });

    // The sunset moves into the past: no new version may use the major, and no new case starts on one that does.
    await deprecate('2026-01-31').expect(201);
    const refused = await request(app)
      .put(`/v1/services/${service.id}`)
      .set('authorization', admin)
      .send({ ...service, version: 4 })
      .expect(422);
    expect((refused.body as { errors: Array<{ message: string }> }).errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          /water-analysis@1 was retired on 2026-01-31; use water-analysis@2 \[contract-past-sunset\]/,
        ) as unknown,
      }),
    ]);
    const stopped = await request(app)
      .post('/v1/cases')
      .set('authorization', await as('citizen', `citizen-${suffix}`))
      .send({ serviceId: service.id, application })
      .expect(409);
    expect(stopped.body).toMatchObject({ code: 'CONTRACT.PAST_SUNSET' });
  }, 90_000);
});
