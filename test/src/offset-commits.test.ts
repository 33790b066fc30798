import { createResultBridge, type ResultBridge } from '@govmesh/bridge';
import { resultTopic, taskTopic } from '@govmesh/contracts/topics';
import type { TaskRejectionData } from '@govmesh/contracts/task-messages';
import { CloudEventPublisher, ensureTopics, partnerGroup, withKafkaAdmin } from '@govmesh/messaging';
import { createPartner, type Partner } from '@govmesh/partner-sdk';
import type { Kafka } from 'kafkajs';
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
    partner = createPartner({
      partnerId,
      kafka: platform.kafka,
      logger,
      handlers: {},
      onRejection: rejections.push,
    });
    await partner.start();
  }, 120_000);

  afterAll(async () => {
    await bridge?.stop();
    await partner?.stop();
    await publisher?.close();
    await platform?.stop();
  });

  it('commits nothing per message, and everything handled when it stops', async () => {
    const groupId = `e2e-commits-${suffix}`;
    bridge = createResultBridge({
      kafka: platform.kafka,
      client: platform.client,
      publisher,
      logger,
      groupId,
      topicPattern: new RegExp(`^${resultTopic(partnerId).replace(/\./g, '\\.')}$`),
      // Longer than the test: only the stop commits.
      commitIntervalMs: 600_000,
    });
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
});
