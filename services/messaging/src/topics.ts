import { DEAD_LETTER_TOPIC, EVENTS_TOPIC, PARTNERS_TOPIC, resultTopic, taskTopic } from '@govmesh/contracts/topics';
import type { Kafka } from 'kafkajs';

/** Partitions keyed by case id: a case's messages stay in order, cases spread over consumers. */
const PARTITIONS = 6;
const WEEK_MS = 7 * 24 * 3600 * 1000;

/** Creates the platform's topics and each partner's task and result topic, if missing. */
export async function ensureTopics(kafka: Kafka, partnerIds: readonly string[] = []): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = [
      // The audit ledger is kept for good; a dead letter waits a month for someone to look.
      { topic: EVENTS_TOPIC, configEntries: [{ name: 'retention.ms', value: '-1' }] },
      { topic: DEAD_LETTER_TOPIC, configEntries: [{ name: 'retention.ms', value: String(30 * 24 * 3600 * 1000) }] },
      // The registry keeps each partner's latest profile for good; one partition keeps it in order.
      { topic: PARTNERS_TOPIC, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      ...partnerIds.flatMap((id) => [
        { topic: taskTopic(id), configEntries: [{ name: 'retention.ms', value: String(2 * WEEK_MS) }] },
        { topic: resultTopic(id), configEntries: [{ name: 'retention.ms', value: String(2 * WEEK_MS) }] },
      ]),
    ].filter((t) => !existing.has(t.topic));
    if (wanted.length === 0) return;
    await admin.createTopics({ topics: wanted.map((t) => ({ numPartitions: PARTITIONS, ...t, replicationFactor: -1 })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}
