import { bridgeMetrics, createResultBridge, type ResultBridge } from '@govmesh/bridge';
import { CaseClient } from '@govmesh/case-client';
import { randomUUID } from 'node:crypto';
import { getEventListeners } from 'node:events';

import { taskIdOf } from '@govmesh/contracts/case-ids';
import { TASK_RESULT } from '@govmesh/contracts/task-messages';
import { resultTopic, taskTopic } from '@govmesh/contracts/topics';
import type { TaskRejectionData } from '@govmesh/contracts/task-messages';
import { CloudEventPublisher, ensureTopics, partnerGroup, withKafkaAdmin } from '@govmesh/messaging';
import { createPartner, type Partner } from '@govmesh/partner-sdk';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Inbox } from './inbox.js';
import { logger, runScoped, startPlatform, type TestPlatform } from './platform.js';

/**
 * The bridge and the partner SDK commit the offsets they handled once a second and when they stop,
 * not after every batch (each commit is a write to the broker's offsets log). What they handled
 * before a clean stop is committed, so whoever reads next in their group starts after it.
 */
const { id, suffix } = runScoped([]);
const partnerId = id('commits');

/** A partner's result as it is on the wire, for a task of `caseId`. */
function resultMessage(caseId: string, attempt: number) {
  return {
    key: caseId,
    partition: 0,
    value: JSON.stringify({
      specversion: '1.0',
      id: randomUUID(),
      source: `/partners/${partnerId}`,
      type: TASK_RESULT,
      subject: caseId,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: { taskId: taskIdOf(caseId, 'check'), attempt, outcome: 'completed', output: { clear: true } },
    }),
  };
}

/** Waits until `count` rejections pass `test`. */
async function untilRejected(rejections: Inbox<TaskRejectionData>, test: (r: TaskRejectionData) => boolean, count = 1) {
  for (const deadline = Date.now() + 20_000; rejections.items.filter(test).length < count && Date.now() < deadline;)
    await new Promise((r) => setTimeout(r, 100));
  expect(rejections.items.filter(test)).toHaveLength(count);
}

/** Offsets committed by a group on a topic, and the topic's end, summed over its partitions. */
async function committedAndEnd(kafka: Kafka, groupId: string, topic: string) {
  return withKafkaAdmin(kafka, 'read committed offsets', async (admin) => {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    return {
      committed: committed!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0),
      end: ends.reduce((sum, p) => sum + Number(p.high), 0),
    };
  });
}

describe('offsets committed by the bridge and the partner SDK', () => {
  let platform: TestPlatform;
  let publisher: CloudEventPublisher;
  let bridge: ResultBridge | undefined;
  let partner: Partner | undefined;
  const rejections = new Inbox<TaskRejectionData>();

  beforeAll(async () => {
    platform = await startPlatform([], suffix);
    await ensureTopics(platform.kafka, [partnerId]);
    publisher = new CloudEventPublisher(platform.kafka);
    await startPartner();
  }, 120_000);

  /** A bridge in a group of its own, reading only this partner's results. */
  const bridgeOfItsOwn = (
    groupId: string,
    commitIntervalMs: number,
    options: { metrics?: ReturnType<typeof bridgeMetrics>; caseTimeoutMs?: number } = {},
  ) =>
    createResultBridge({
      ...options,
      kafka: platform.kafka,
      client: platform.client,
      publisher,
      logger,
      groupId,
      topicPattern: new RegExp(`^${resultTopic(partnerId).replace(/\./g, '\\.')}$`),
      commitIntervalMs,
    });

  /** The partner, told of every rejection of its results. */
  async function startPartner() {
    partner = createPartner({
      partnerId,
      kafka: platform.kafka,
      logger,
      handlers: {},
      onRejection: rejections.push,
    });
    await partner.start();
  }

  /**
   * A case no worker serves (as when its worker is down: an Update to it waits), a producer of
   * results, and where the result topic ends before the test sends any.
   */
  async function stuckCase(name: string, groupId: string) {
    const caseId = `${name}-${suffix}`;
    const handle = await platform.client.workflow.start('serviceCase', {
      workflowId: caseId,
      taskQueue: `nobody-polls-${suffix}`,
    });
    const producer = platform.kafka.producer();
    await producer.connect();
    const before = (await committedAndEnd(platform.kafka, groupId, resultTopic(partnerId))).end;
    return { caseId, handle, producer, before };
  }

  /** Bridge metrics of a test's own, and how many results are being handed over now. */
  function countedHandOvers() {
    const metrics = bridgeMetrics(new Registry());
    return { metrics, handingOver: async () => (await metrics.handingOver.get()).values[0]?.value };
  }

  afterAll(async () => {
    await bridge?.stop();
    await partner?.stop();
    await publisher?.close();
    await platform?.stop();
  });

  it('commits nothing per message, and everything handled when it stops', async () => {
    const groupId = `e2e-commits-${suffix}`;
    // Longer than the test: only the stop commits.
    bridge = bridgeOfItsOwn(groupId, 600_000);
    await bridge.start();
    const producer = platform.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: resultTopic(partnerId),
      messages: [1, 2, 3].map((n) => ({ value: `not json ${n}` })),
    });
    await producer.disconnect();
    // Each is handled: refused, dead-lettered, and the partner told.
    const refused = () => rejections.items.filter((r) => r.code === 'CONTRACT.INVALID_ENVELOPE').length;
    for (const deadline = Date.now() + 20_000; refused() < 3 && Date.now() < deadline;)
      await new Promise((r) => setTimeout(r, 100));
    expect(refused()).toBe(3);

    expect(await committedAndEnd(platform.kafka, groupId, resultTopic(partnerId))).toEqual({ committed: 0, end: 3 });
    await bridge.stop();
    bridge = undefined;
    expect(await committedAndEnd(platform.kafka, groupId, resultTopic(partnerId))).toEqual({ committed: 3, end: 3 });

    // The partner read the three refusals on its task topic; stopping commits them too.
    await partner!.stop();
    partner = undefined;
    const tasks = await committedAndEnd(platform.kafka, partnerGroup(partnerId), taskTopic(partnerId));
    expect(tasks.end).toBe(3);
    expect(tasks.committed).toBe(3);
  }, 60_000);

  it("hands a partition's results over side by side, and commits only up to the first still in hand", async () => {
    const groupId = `e2e-side-by-side-${suffix}`;
    const topic = resultTopic(partnerId);
    // The first test stopped it; its group starts after what it read.
    await startPartner();
    const { metrics, handingOver } = countedHandOvers();
    // A case that has not taken a result within a second is tried again.
    bridge = bridgeOfItsOwn(groupId, 200, { metrics, caseTimeoutMs: 1_000 });
    await bridge.start();
    const { caseId: stuckCaseId, handle: stuck, producer, before } = await stuckCase('side-by-side-stuck', groupId);
    try {
      // One partition: before, the bridge handed its results over one at a time, in this order.
      await producer.send({
        topic,
        messages: [
          resultMessage(stuckCaseId, 1),
          resultMessage(`side-by-side-${suffix}-other`, 1),
          resultMessage(stuckCaseId, 2),
        ],
      });
      // The result after the stuck one is handed over (its case does not exist: refused).
      await untilRejected(rejections, (r) => r.taskId === taskIdOf(`side-by-side-${suffix}-other`, 'check'));
      await new Promise((r) => setTimeout(r, 600));
      // The stuck result's offset is where a next reader must start: nothing after it is committed.
      expect(await committedAndEnd(platform.kafka, groupId, topic)).toEqual({ committed: before, end: before + 3 });
      // Its case's second result waits behind the first, in order: one is being handed over.
      expect(rejections.items.filter((r) => r.taskId === taskIdOf(stuckCaseId, 'check'))).toEqual([]);
      expect(await handingOver()).toBe(1);
      // Not given up: tried again while its case cannot be reached.
      for (const deadline = Date.now() + 10_000; Date.now() < deadline;)
        if ((await metrics.retries.get()).values[0]!.value >= 2) break;
        else await new Promise((r) => setTimeout(r, 200));
      expect((await metrics.retries.get()).values[0]!.value).toBeGreaterThanOrEqual(2);
      expect(await committedAndEnd(platform.kafka, groupId, topic)).toEqual({ committed: before, end: before + 3 });

      await stuck.terminate('end of the test');
      await untilRejected(rejections, (r) => r.taskId === taskIdOf(stuckCaseId, 'check'), 2);
      expect(
        rejections.items.filter((r) => r.taskId === taskIdOf(stuckCaseId, 'check')).map((r) => [r.attempt, r.code]),
      ).toEqual([
        [1, 'TASK.NOT_ASSIGNED'],
        [2, 'TASK.NOT_ASSIGNED'],
      ]);
      expect(await handingOver()).toBe(0);
      await bridge.stop();
      bridge = undefined;
      expect(await committedAndEnd(platform.kafka, groupId, topic)).toEqual({
        committed: before + 3,
        end: before + 3,
      });
    } finally {
      await producer.disconnect();
    }
  }, 60_000);

  it('stops at once with a result in hand, and the next reader hands that result over', async () => {
    const groupId = `e2e-stop-in-hand-${suffix}`;
    const topic = resultTopic(partnerId);
    const { metrics, handingOver } = countedHandOvers();
    // The case timeout as deployed (30 s): before, a stop waited for it.
    bridge = bridgeOfItsOwn(groupId, 200, { metrics });
    await bridge.start();
    const { caseId: stuckCaseId, handle: stuck, producer, before } = await stuckCase('stop-in-hand', groupId);
    try {
      await producer.send({ topic, messages: [resultMessage(stuckCaseId, 1)] });
      for (const deadline = Date.now() + 20_000; (await handingOver()) !== 1 && Date.now() < deadline;)
        await new Promise((r) => setTimeout(r, 100));
      expect(await handingOver()).toBe(1);

      // The Update in flight is cancelled: the stop does not wait for the case's 30 s.
      const stopped = bridge.stop().then(() => 'stopped' as const);
      const waited = new Promise<'waited'>((r) => setTimeout(() => r('waited'), 10_000));
      expect(await Promise.race([stopped, waited])).toBe('stopped');
      bridge = undefined;
      expect(await handingOver()).toBe(0);
      expect(await committedAndEnd(platform.kafka, groupId, topic)).toEqual({ committed: before, end: before + 1 });

      // The next reader of the group starts at it and hands it over (the case has ended: refused).
      await stuck.terminate('end of the test');
      bridge = bridgeOfItsOwn(groupId, 200);
      await bridge.start();
      await untilRejected(rejections, (r) => r.taskId === taskIdOf(stuckCaseId, 'check'));
      await bridge.stop();
      bridge = undefined;
      expect(await committedAndEnd(platform.kafka, groupId, topic)).toEqual({ committed: before + 1, end: before + 1 });
    } finally {
      await producer.disconnect();
    }
  }, 60_000);

  it("leaves nothing on a reader's signal for the results it handed over", async () => {
    // A reader's signal lives as long as it holds its partitions, days in production. Temporal's
    // connection puts an abort listener on the signal of each call and never takes it off: handed
    // the reader's signal, every hand-over left one behind, holding its call.
    const cases = new CaseClient(platform.client, { timeoutMs: 5_000 });
    const reader = new AbortController();
    const refusals: string[] = [];
    for (let i = 0; i < 12; i++) {
      const caseId = `never-started-${i}-${suffix}`;
      const result = {
        partnerId,
        result: { taskId: taskIdOf(caseId, 'check'), attempt: 1, outcome: 'completed' as const, output: {} },
      };
      await cases
        .submitResult(caseId, result, randomUUID(), reader.signal)
        .catch((err: { code?: string }) => refusals.push(err.code ?? 'unclassified'));
    }
    // Each call reached Temporal (no such case), and none left a listener behind.
    expect(refusals).toEqual(Array.from({ length: 12 }, () => 'CASE.CLOSED'));
    expect(getEventListeners(reader.signal, 'abort')).toHaveLength(0);
  });
});
