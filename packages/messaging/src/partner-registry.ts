import { randomUUID } from 'node:crypto';

import { PARTNER_PROFILE, PartnerProfileEvent, type PartnerProfile } from '@govmesh/contracts/partner-profile';
import { PartnerStandingEvent, type PartnerStanding } from '@govmesh/contracts/partner-scorecard';
import { PARTNERS_TOPIC, PARTNER_STANDINGS_TOPIC } from '@govmesh/contracts/topics';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { z } from 'zod';

import type { CloudEventPublisher } from './cloud-event-publisher.js';
import { REGISTRY_FOLLOWER_GROUP_PREFIX } from './kafka-acls.js';
import { FETCH_WAIT_MS } from './kafka-client.js';
import { withKafkaAdmin } from './kafka-admin.js';

export interface CompactedTopicFollow {
  /** Resolves once every message on the topic at start has been read. */
  readonly caughtUp: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Reads a compacted topic (the latest value of each key) from the start and then follows it,
 * handing each message that parses as `schema` to `onValue`; others are logged and skipped.
 * Each process reads with a consumer group of its own, because each needs every key.
 */
export async function followCompactedTopic<T>(deps: {
  kafka: Kafka;
  logger: Logger;
  topic: string;
  /** Names the stream in log lines. */
  component: string;
  schema: z.ZodType<T>;
  onValue: (value: T) => void;
}): Promise<CompactedTopicFollow> {
  const log = deps.logger.child({ component: deps.component });
  const offsets = await withKafkaAdmin(
    deps.kafka,
    `read the end of ${deps.topic}`,
    (admin) => admin.fetchTopicOffsets(deps.topic),
    { logger: log },
  );
  const ends = new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
  const behind = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
  let caughtUp: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (caughtUp = resolve));
  if (behind.size === 0) caughtUp();

  const consumer = deps.kafka.consumer({
    groupId: `${REGISTRY_FOLLOWER_GROUP_PREFIX}${randomUUID()}`,
    maxWaitTimeInMs: FETCH_WAIT_MS,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [deps.topic], fromBeginning: true });
  await consumer.run({
    eachMessage: ({ partition, message }) => {
      let json: unknown = null;
      try {
        json = JSON.parse(message.value?.toString('utf8') ?? 'null');
      } catch {
        // refused by the schema below
      }
      const parsed = deps.schema.safeParse(json);
      if (parsed.success) deps.onValue(parsed.data);
      else log.warn({ topic: deps.topic, offset: message.offset }, 'not a message of this topic; ignored');
      if (BigInt(message.offset) + 1n >= (ends.get(partition) ?? 0n)) {
        behind.delete(partition);
        if (behind.size === 0) caughtUp();
      }
      return Promise.resolve();
    },
  });
  return { caughtUp: ready, stop: () => consumer.disconnect() };
}

/** Reads the partner registry (`govmesh.partners`, compacted) from the start and then follows it. */
export function watchPartnerRegistry(deps: {
  kafka: Kafka;
  logger: Logger;
  onProfile: (profile: PartnerProfile) => void;
}): Promise<CompactedTopicFollow> {
  return followCompactedTopic({
    kafka: deps.kafka,
    logger: deps.logger,
    topic: PARTNERS_TOPIC,
    component: 'partner-registry',
    schema: PartnerProfileEvent,
    onValue: (event) => deps.onProfile(event.data),
  });
}

/**
 * Follows each partner's standing per task type (`govmesh.partner-standings`), which the audit
 * service publishes from its ledger, for best-score partner selection.
 */
export function watchPartnerStandings(deps: {
  kafka: Kafka;
  logger: Logger;
  onStanding: (standing: PartnerStanding) => void;
}): Promise<CompactedTopicFollow> {
  return followCompactedTopic({
    kafka: deps.kafka,
    logger: deps.logger,
    topic: PARTNER_STANDINGS_TOPIC,
    component: 'partner-standings',
    schema: PartnerStandingEvent,
    onValue: (event) => deps.onStanding(event.data),
  });
}

/** Publishes a partner's profile as it is now; every worker and bridge picks it up. */
export async function publishPartnerProfile(
  publisher: CloudEventPublisher,
  profile: PartnerProfile,
  source: string,
): Promise<void> {
  await publisher.publish(PARTNERS_TOPIC, profile.id, {
    id: `${profile.id}/${profile.status}/${randomUUID()}`,
    type: PARTNER_PROFILE,
    source,
    subject: profile.id,
    data: profile,
  });
}
