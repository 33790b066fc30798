import {
  DEAD_LETTER_TOPIC,
  EVENTS_TOPIC,
  PARTNERS_TOPIC,
  PARTNER_STANDINGS_TOPIC,
  resultTopic,
  taskTopic,
} from '@govmesh/contracts/topics';
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

import { withKafkaAdmin } from './kafka-admin.js';

/** Partitions keyed by case id: a case's messages stay in order, cases spread over consumers. */
const PARTITIONS = 6;
const WEEK_MS = 7 * 24 * 3600 * 1000;

/**
 * Creates the platform's topics and each partner's task and result topic, if missing. A service
 * started while a broker is down (not yet fenced by the controller) asks again, not exits.
 */
export async function ensureTopics(kafka: Kafka, partnerIds: readonly string[] = [], logger?: Logger): Promise<void> {
  await withKafkaAdmin(kafka, 'create topics', (admin) => createMissingTopics(admin, partnerIds), { logger });
}

async function createMissingTopics(admin: Admin, partnerIds: readonly string[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const wanted = [
    // The audit ledger is kept for good; a dead letter waits a month for someone to look.
    { topic: EVENTS_TOPIC, configEntries: [{ name: 'retention.ms', value: '-1' }] },
    { topic: DEAD_LETTER_TOPIC, configEntries: [{ name: 'retention.ms', value: String(30 * 24 * 3600 * 1000) }] },
    // The registry keeps each partner's latest profile for good; one partition keeps it in order.
    { topic: PARTNERS_TOPIC, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    // The latest standing of each partner and task type; the audit service can always republish.
    {
      topic: PARTNER_STANDINGS_TOPIC,
      numPartitions: 1,
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
    },
    ...partnerIds.flatMap((id) => [
      { topic: taskTopic(id), configEntries: [{ name: 'retention.ms', value: String(2 * WEEK_MS) }] },
      { topic: resultTopic(id), configEntries: [{ name: 'retention.ms', value: String(2 * WEEK_MS) }] },
    ]),
  ].filter((t) => !existing.has(t.topic));
  if (wanted.length === 0) return;
  // kafkajs's own wait for leaders gives up on the first UNKNOWN_TOPIC_OR_PARTITION, which a
  // broker restarted over many topics answers for a while after it accepts the creation.
  await admin.createTopics({
    topics: wanted.map((t) => ({ numPartitions: PARTITIONS, ...t, replicationFactor: -1 })),
    waitForLeaders: false,
  });
  await waitForLeaders(
    admin,
    wanted.map((t) => t.topic),
  );
}

/** Raised when new topics still have no leader after the wait; names them and the last answer. */
export class TopicsNotReady extends Error {
  override readonly name = 'TopicsNotReady';
  constructor(
    readonly topics: readonly string[],
    readonly waitedMs: number,
    readonly lastError: string,
  ) {
    super(
      `Kafka created ${topics.join(', ')} but gave ${topics.length === 1 ? 'it' : 'them'} no leader within ${waitedMs} ms (last answer: ${lastError})`,
    );
  }
}

/** The broker's answers while a new topic's partitions are still being placed. */
const SETTLING = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION']);

/** Waits until every partition of `topics` has a leader, so the first produce or subscribe finds it. */
export async function waitForLeaders(admin: Admin, topics: readonly string[], maxWaitMs = 60_000): Promise<void> {
  const started = Date.now();
  let lastError = 'none';
  for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: [...topics] });
      const leaderless = found.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
      if (leaderless.length === 0) return;
      lastError = `no leader yet for ${leaderless.map((t) => t.name).join(', ')}`;
    } catch (err) {
      const type = (err as { type?: string }).type;
      if (type === undefined || !SETTLING.has(type)) throw err;
      lastError = type;
    }
    if (Date.now() - started > maxWaitMs) throw new TopicsNotReady(topics, Date.now() - started, lastError);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
