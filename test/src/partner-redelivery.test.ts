import { randomUUID } from 'node:crypto';

import { taskMessageId } from '@govmesh/contracts/case-ids';
import { TASK_ASSIGNED, type TaskAssignedData } from '@govmesh/contracts/task-messages';
import { resultTopic, taskTopic } from '@govmesh/contracts/topics';
import { CloudEventPublisher, ensureTopics, withKafkaAdmin } from '@govmesh/messaging';
import { createPartner, type Partner } from '@govmesh/partner-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { logger, runScoped, startPlatform, type TestPlatform } from './platform.js';

/**
 * A case publishes a task again when its dispatch runs again: after a worker crash, or when the
 * server lost the workflow task that had dispatched it (seen under load in the bench). The same
 * task and attempt, read again by a partner built on the SDK, is not done twice.
 */
const { id, suffix } = runScoped([]);
const partnerId = id('redelivery');

describe('a task delivered again to a partner', () => {
  let platform: TestPlatform;
  let publisher: CloudEventPublisher;
  let partner: Partner | undefined;
  const done: Array<{ taskId: string; attempt: number }> = [];

  beforeAll(async () => {
    platform = await startPlatform([], suffix);
    await ensureTopics(platform.kafka, [partnerId]);
    publisher = new CloudEventPublisher(platform.kafka);
    partner = createPartner({
      partnerId,
      kafka: platform.kafka,
      logger,
      handlers: {
        'background-check@1': (_input, { task }) => {
          done.push({ taskId: task.taskId, attempt: task.attempt });
          return Promise.resolve({ clear: true, checkedAt: new Date().toISOString() });
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
  const deliveredAgain = async () =>
    (await partner!.metrics.getSingleMetric('govmesh_partner_tasks_delivered_again_total')!.get()).values[0]?.value ??
    0;
  const within = { timeout: 20_000, interval: 100 };

  it('does it once, whether it is in hand or answered, and does a new attempt of it again', async () => {
    const caseId = `redelivery-${randomUUID()}`;
    const task: TaskAssignedData = {
      taskId: `${caseId}:background-check`,
      caseId,
      stepId: 'background-check',
      taskType: 'background-check@1',
      attempt: 1,
      deadline: new Date(Date.now() + 3_600_000).toISOString(),
      input: { applicant: { name: 'Test Applicant', dateOfBirth: '1980-01-01' } },
    };
    // Twice at once: the second copy is read while the first is in hand or just answered.
    await dispatch(task, 2);
    await expect.poll(async () => [await results(), await deliveredAgain()], within).toEqual([1, 1]);
    // Again, long after it was answered.
    await dispatch(task);
    await expect.poll(deliveredAgain, within).toBe(2);
    expect(done).toEqual([{ taskId: task.taskId, attempt: 1 }]);
    // A reassignment or a rework is a new attempt: that is work to do.
    await dispatch({ ...task, attempt: 2 });
    await expect.poll(results, within).toBe(2);
    expect(done).toEqual([
      { taskId: task.taskId, attempt: 1 },
      { taskId: task.taskId, attempt: 2 },
    ]);
    expect(await deliveredAgain()).toBe(2);
  }, 60_000);
});
