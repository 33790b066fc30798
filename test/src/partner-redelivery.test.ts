import { randomUUID } from 'node:crypto';

import { taskIdOf, taskMessageId } from '@govmesh/contracts/case-ids';
import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import { TASK_ASSIGNED, type TaskAssignedData, type TaskRejectionData } from '@govmesh/contracts/task-messages';
import { resultTopic, taskTopic } from '@govmesh/contracts/topics';
import { CloudEventPublisher, withKafkaAdmin } from '@govmesh/messaging';
import { createPartner, type Partner } from '@govmesh/partner-sdk';
import { decideOfficerTask } from '@govmesh/workflows/case-api';
import { serviceCase } from '@govmesh/workflows/service-case';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Inbox } from './inbox.js';
import {
  logger,
  outsourcedStep,
  runScoped,
  serviceWith,
  startPlatform,
  untilStep,
  type TestPlatform,
} from './platform.js';

/**
 * A case publishes a task again when its dispatch runs again: after a worker crash, or when the
 * server lost the workflow task that had dispatched it (seen under load in the bench). The same
 * task and attempt, read again by a partner built on the SDK, is not done twice: while in hand it
 * is left to the answer on its way, once answered the same answer is sent again.
 */
const { profiles, id, suffix } = runScoped([
  {
    id: 'redelivery',
    name: 'Redelivery Checks',
    capabilities: ['background-check@1'],
    terms: { 'background-check@1': { deadline: { hours: 1 }, capacity: 10 } },
    status: 'active',
  },
] satisfies PartnerProfile[]);
const partnerId = id('redelivery');

describe('a task delivered again to a partner', () => {
  let platform: TestPlatform;
  let publisher: CloudEventPublisher;
  let partner: Partner | undefined;
  const done: Array<{ taskId: string; attempt: number }> = [];
  const rejections = new Inbox<TaskRejectionData>();

  beforeAll(async () => {
    platform = await startPlatform(profiles, suffix);
    publisher = new CloudEventPublisher(platform.kafka);
    partner = createPartner({
      partnerId,
      kafka: platform.kafka,
      logger,
      onRejection: rejections.push,
      handlers: {
        'background-check@1': (_input, { task }) => {
          done.push({ taskId: task.taskId, attempt: task.attempt });
          return Promise.resolve({ clear: true, findings: [] });
        },
      },
    });
    await partner.start();
  }, 120_000);

  afterAll(async () => {
    await partner?.stop();
    await publisher?.close();
    await platform?.stop();
  });

  /** Publishes the task as a case's dispatch does: its event id is the task id and attempt. */
  const dispatch = (task: TaskAssignedData, copies = 1) =>
    Promise.all(
      Array.from({ length: copies }, () =>
        publisher.publish(taskTopic(partnerId), task.caseId, {
          id: taskMessageId(task.taskId, task.attempt, 'assigned'),
          type: TASK_ASSIGNED,
          source: '/govmesh/dispatch',
          subject: task.caseId,
          data: task,
        }),
      ),
    );
  const results = () =>
    withKafkaAdmin(platform.kafka, 'count results', async (admin) =>
      (await admin.fetchTopicOffsets(resultTopic(partnerId))).reduce((sum, p) => sum + Number(p.high), 0),
    );
  /** Copies read again, by how the partner handled them (`in-hand`, `answered-again`). */
  const deliveredAgain = async (handled: string) =>
    (await partner!.metrics.getSingleMetric('govmesh_partner_tasks_delivered_again_total')!.get()).values.find(
      (v) => v.labels.handled === handled,
    )?.value ?? 0;
  const within = { timeout: 20_000, interval: 100 };

  const taskOf = (caseId: string, attempt = 1): TaskAssignedData => ({
    taskId: taskIdOf(caseId, 'background-check'),
    caseId,
    stepId: 'background-check',
    taskType: 'background-check@1',
    attempt,
    deadline: new Date(Date.now() + 3_600_000).toISOString(),
    input: { applicant: { name: 'Test Applicant', dateOfBirth: '1980-01-01' } },
  });
  const doneFor = (caseId: string) => done.filter((d) => d.taskId === taskIdOf(caseId, 'background-check'));

  it('does it once, in hand or answered, sends the same answer again, and does a new attempt of it again', async () => {
    const task = taskOf(`redelivery-${randomUUID()}`);
    // Twice at once: the second copy is read while the first is in hand, or just answered.
    await dispatch(task, 2);
    await expect
      .poll(async () => (await deliveredAgain('in-hand')) + (await deliveredAgain('answered-again')), within)
      .toBe(1);
    const resent = await deliveredAgain('answered-again');
    // Again, long after it was answered: the answer goes out again, the work is not done again.
    await expect.poll(results, within).toBe(1 + resent);
    await dispatch(task);
    await expect.poll(results, within).toBe(2 + resent);
    expect(await deliveredAgain('answered-again')).toBe(resent + 1);
    expect(doneFor(task.caseId)).toEqual([{ taskId: task.taskId, attempt: 1 }]);
    // A reassignment or a rework is a new attempt: that is work to do.
    await dispatch({ ...task, attempt: 2 });
    await expect.poll(results, within).toBe(3 + resent);
    expect(doneFor(task.caseId)).toEqual([
      { taskId: task.taskId, attempt: 1 },
      { taskId: task.taskId, attempt: 2 },
    ]);
  }, 60_000);

  it('lets a case go on whose dispatch ran again after the partner had answered a copy the case did not know yet', async () => {
    // What a lost workflow task leaves behind: the task reached the partner from a dispatch the
    // case then forgot, the answer came back before the case dispatched the task again, and was
    // refused. Here the case is still at an officer's step when that copy arrives.
    const caseId = `redelivery-${suffix}-${randomUUID().slice(0, 8)}`;
    const handle = await platform.client.workflow.start(serviceCase, {
      taskQueue: platform.taskQueue,
      workflowId: caseId,
      args: [
        {
          caseId,
          definition: serviceWith('redelivery', [
            {
              id: 'intake',
              classification: { core: true, critical: false },
              officer: { role: 'licensing-officer', deadline: { hours: 1 } },
              share: [],
            },
            outsourcedStep('background-check', 'background-check@1', ['applicant.name', 'applicant.dateOfBirth']),
          ]),
          application: {
            applicant: { name: 'Ada', dateOfBirth: '1980-01-01', nationalId: 'NID-1', email: 'ada@example.org' },
            business: { name: 'Engines', address: '1 Mill Lane', activity: 'workshop' },
          },
        },
      ],
    });
    await untilStep(handle, 'intake', 'awaiting-officer');
    await dispatch(taskOf(caseId));
    const refused = await rejections.next((r) => r.taskId === taskIdOf(caseId, 'background-check'), 20_000);
    expect(refused.code).toBe('TASK.UNKNOWN');
    // The case goes on and dispatches the task: the partner answers it again, without doing it again.
    await handle.executeUpdate(decideOfficerTask, {
      args: [{ stepId: 'intake', officerId: 'officer-ada', role: 'licensing-officer', decision: 'approve' }],
    });
    expect(await handle.result()).toMatchObject({ status: 'completed' });
    expect(doneFor(caseId)).toHaveLength(1);
  }, 60_000);
});
