import { DOMAIN_EVENTS } from '@govmesh/contracts/domain-events';
import { randomUUID } from 'node:crypto';

import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import type { ServiceDefinition } from '@govmesh/contracts/service-definition';
import { TASK_REVOKED, type TaskAssignedData, type TaskRejectionData } from '@govmesh/contracts/task-messages';
import { DEAD_LETTER_TOPIC, resultTopic, taskTopic } from '@govmesh/contracts/topics';
import { CloudEventPublisher } from '@govmesh/messaging';
import { createPartner, type Partner } from '@govmesh/partner-sdk';
import { caseStateQuery } from '@govmesh/workflows/case-api';
import { serviceCase } from '@govmesh/workflows/service-case';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Inbox } from './inbox.js';
import {
  caseEvents,
  logger,
  outsourcedStep,
  runScoped,
  serviceWith,
  startPlatform,
  untilStep,
  type TestPlatform,
} from './platform.js';

const terms = { deadline: { hours: 48 }, capacity: 10 };
const { profiles, id, suffix } = runScoped([
  {
    id: 'alpha',
    name: 'Alpha Checks',
    capabilities: ['background-check@1'],
    terms: { 'background-check@1': terms },
    status: 'active',
  },
  {
    id: 'beta',
    name: 'Beta Checks',
    capabilities: ['background-check@1'],
    terms: { 'background-check@1': terms },
    status: 'active',
  },
] satisfies PartnerProfile[]);

/** One outsourced background check: the smallest service with a partner step. */
const definition = serviceWith('vetting', [
  outsourcedStep('background-check', 'background-check@1', ['applicant.name', 'applicant.dateOfBirth']),
]);
const application = {
  applicant: { name: 'Grace Hopper', dateOfBirth: '1976-12-09', nationalId: 'NID-7', email: 'grace@example.org' },
  business: { name: 'Cobol Cafe', address: '2 Harbour Road', activity: 'cafe' },
};

describe('results the case did not ask for', () => {
  let platform: TestPlatform;
  let alpha: Partner;
  let beta: Partner;
  const alphaTasks = new Inbox<TaskAssignedData>();
  const alphaRejections = new Inbox<TaskRejectionData>();
  const alphaRevocations = new Inbox<TaskRejectionData>();
  const alphaSignals = new Map<string, AbortSignal>();
  const betaRejections = new Inbox<TaskRejectionData>();
  /** Alpha answers each case as the test says. */
  const alphaAnswers = new Map<string, () => Promise<Record<string, unknown>>>();

  beforeAll(async () => {
    platform = await startPlatform(profiles, suffix);
    alpha = createPartner({
      partnerId: id('alpha'),
      kafka: platform.kafka,
      logger,
      onRejection: alphaRejections.push,
      onRevocation: alphaRevocations.push,
      handlers: {
        'background-check@1': (_input, { task, signal }) => {
          alphaSignals.set(`${task.taskId}/${task.attempt}`, signal);
          alphaTasks.push(task);
          return alphaAnswers.get(task.caseId)?.() ?? Promise.resolve({ clear: true, findings: [] });
        },
      },
    });
    beta = createPartner({
      partnerId: id('beta'),
      kafka: platform.kafka,
      logger,
      handlers: {},
      onRejection: betaRejections.push,
    });
    await Promise.all([alpha.start(), beta.start()]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([alpha?.stop(), beta?.stop()]);
    await platform?.stop();
  });

  function start(caseId: string, def: ServiceDefinition = definition) {
    return platform.client.workflow.start(serviceCase, {
      taskQueue: platform.taskQueue,
      workflowId: caseId,
      args: [{ caseId, definition: def, application }],
    });
  }

  it('rejects an invalid output with the JSON Schema error paths; the case waits and completes on a valid result', async () => {
    const caseId = `vet-${suffix}-invalid`;
    alphaAnswers.set(caseId, () => Promise.resolve({ clear: 'yes', findings: 'none' }));
    const handle = await start(caseId);

    const rejection = await alphaRejections.next((r) => r.taskId === `${caseId}:background-check`);
    expect(rejection).toMatchObject({ code: 'CONTRACT.INVALID_OUTPUT', attempt: 1 });
    expect(rejection.reasons).toEqual(['output.clear: must be boolean', 'output.findings: must be array']);
    expect(alpha.rejections).toContainEqual(rejection);
    await untilStep(handle, 'background-check', 'awaiting-partner');

    await alpha.publishResult({
      taskId: `${caseId}:background-check`,
      attempt: 1,
      outcome: 'completed',
      output: { clear: false, findings: ['late filing'] },
    });
    expect(await handle.result()).toEqual({ caseId, status: 'completed', decision: 'completed' });
    const state = await handle.query(caseStateQuery);
    expect(state.steps['background-check']?.output).toEqual({ clear: false, findings: ['late filing'] });
  });

  it("rejects a result sent on partner B's topic for partner A's task as TASK.NOT_ASSIGNED; it never reaches the case", async () => {
    const caseId = `vet-${suffix}-foreign`;
    let release: (output: Record<string, unknown>) => void = () => undefined;
    alphaAnswers.set(caseId, () => new Promise((resolve) => (release = resolve)));
    const handle = await start(caseId);
    await alphaTasks.next((t) => t.caseId === caseId);

    await beta.publishResult({
      taskId: `${caseId}:background-check`,
      attempt: 1,
      outcome: 'completed',
      output: { clear: true, findings: [] },
    });
    const rejection = await betaRejections.next((r) => r.taskId === `${caseId}:background-check`);
    expect(rejection).toMatchObject({
      code: 'TASK.NOT_ASSIGNED',
      reasons: [`task ${caseId}:background-check attempt 1 is not assigned to ${id('beta')}`],
    });
    expect((await untilStep(handle, 'background-check', 'awaiting-partner')).steps['background-check']).toMatchObject({
      partnerId: id('alpha'),
    });

    release({ clear: true, findings: [] });
    await handle.result();
    const history = await handle.fetchHistory();
    const results = (history.events ?? []).filter(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'submitTaskResult',
    );
    expect(results).toHaveLength(1);
  });

  it('puts a message that is not even JSON on the dead-letter topic and tells the partner', async () => {
    const marker = randomUUID();
    const producer = platform.kafka.producer();
    await producer.connect();
    await producer.send({ topic: resultTopic(id('beta')), messages: [{ value: `not json ${marker}` }] });
    await producer.disconnect();

    const rejection = await betaRejections.next((r) => r.taskId === '(unparseable)');
    expect(rejection.code).toBe('CONTRACT.INVALID_ENVELOPE');
    expect(rejection.reasons[0]).toMatch(/^the message is not JSON/);

    const consumer = platform.kafka.consumer({ groupId: `e2e-dlq-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [DEAD_LETTER_TOPIC], fromBeginning: true });
    const letter = await new Promise<{ data: { topic: string; valueBase64: string; reasons: string[] } }>(
      (resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no dead letter within 20 s')), 20_000);
        void consumer.run({
          eachMessage: ({ message }) => {
            const event = JSON.parse(message.value!.toString()) as {
              data: { topic: string; valueBase64: string; reasons: string[] };
            };
            if (Buffer.from(event.data.valueBase64, 'base64').toString().includes(marker)) {
              clearTimeout(timer);
              resolve(event);
            }
            return Promise.resolve();
          },
        });
      },
    );
    await consumer.disconnect();
    expect(letter.data.topic).toBe(resultTopic(id('beta')));
    expect(letter.data.reasons[0]).toMatch(/^the message is not JSON/);
  });

  it('records every rejection in the audit ledger', async () => {
    const caseId = `vet-${suffix}-foreign`;
    const events = await caseEvents(platform.kafka, caseId, DOMAIN_EVENTS.resultRejected.type);
    expect(events.find((e) => e.type === DOMAIN_EVENTS.resultRejected.type)?.data).toMatchObject({
      partnerId: id('beta'),
      code: 'TASK.NOT_ASSIGNED',
    });
  });

  it('aborts the partner’s work when the task is revoked', async () => {
    const caseId = `vet-${suffix}-revoked`;
    alphaAnswers.set(
      caseId,
      () =>
        new Promise((_, reject) =>
          alphaSignals
            .get(`${caseId}:background-check/1`)
            ?.addEventListener('abort', () => reject(new Error('revoked'))),
        ),
    );
    const handle = await start(caseId);
    const task = await alphaTasks.next((t) => t.caseId === caseId);
    const signal = alphaSignals.get(`${task.taskId}/${task.attempt}`)!;
    const aborted = new Promise((resolve) =>
      signal.addEventListener('abort', () => resolve(signal.reason), { once: true }),
    );

    const publisher = new CloudEventPublisher(platform.kafka);
    await publisher.publish(taskTopic(id('alpha')), caseId, {
      id: randomUUID(),
      type: TASK_REVOKED,
      source: '/govmesh/dispatch',
      subject: caseId,
      data: { taskId: task.taskId, attempt: task.attempt, code: 'TASK.REVOKED', reasons: ['revoked by the test'] },
    });
    await publisher.close();
    expect(await aborted).toBe('TASK.REVOKED');
    expect(await alphaRevocations.next((r) => r.taskId === task.taskId)).toMatchObject({ code: 'TASK.REVOKED' });
    await handle.terminate('revocation test done');
  });

  it('never dispatches a core-and-critical step, even from a forged definition', async () => {
    const caseId = `vet-${suffix}-forged`;
    const forged = structuredClone(definition);
    const step = forged.steps[0] as { classification: { core: boolean; critical: boolean } };
    step.classification = { core: true, critical: true };
    const outcome = await (await start(caseId, forged)).result();
    expect(outcome).toMatchObject({
      caseId,
      status: 'failed',
      reason: 'step background-check is in-house; it never leaves the government',
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(alphaTasks.items.filter((t) => t.caseId === caseId)).toEqual([]);
    const events = await caseEvents(platform.kafka, caseId, DOMAIN_EVENTS.caseFailed.type);
    expect(events.find((e) => e.type === DOMAIN_EVENTS.dispatchRefused.type)?.data).toMatchObject({
      stepId: 'background-check',
      code: 'CONTROL.CORE_CRITICAL_DISPATCH',
    });
    expect(events.map((e) => e.type)).not.toContain(DOMAIN_EVENTS.taskDispatched.type);
  });
});
