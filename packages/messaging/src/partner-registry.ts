import { randomUUID } from 'node:crypto';

import { PARTNER_PROFILE, PartnerProfileEvent, type PartnerProfile } from '@govmesh/contracts/partner-profile';
import { PARTNERS_TOPIC } from '@govmesh/contracts/topics';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';

import type { CloudEventPublisher } from './cloud-event-publisher.js';
import { REGISTRY_FOLLOWER_GROUP_PREFIX } from './kafka-acls.js';

export interface PartnerRegistryWatch {
  /** Resolves once every profile on the registry at start has been read. */
  readonly caughtUp: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Reads the partner registry (`govmesh.partners`, compacted) from the start and then follows it.
 * Each process reads with a consumer group of its own, because each needs every partner.
 */
export async function watchPartnerRegistry(deps: {
  kafka: Kafka;
  logger: Logger;
  onProfile: (profile: PartnerProfile) => void;
}): Promise<PartnerRegistryWatch> {
  const log = deps.logger.child({ component: 'partner-registry' });
  const admin = deps.kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(PARTNERS_TOPIC)).map((p) => [p.partition, BigInt(p.high)]));
  await admin.disconnect();
  const behind = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
  let caughtUp: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (caughtUp = resolve));
  if (behind.size === 0) caughtUp();

  const consumer = deps.kafka.consumer({ groupId: `${REGISTRY_FOLLOWER_GROUP_PREFIX}${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [PARTNERS_TOPIC], fromBeginning: true });
  await consumer.run({
    eachMessage: ({ partition, message }) => {
      let json: unknown = null;
      try {
        json = JSON.parse(message.value?.toString('utf8') ?? 'null');
      } catch {
        // counted as not a profile below
      }
      const event = PartnerProfileEvent.safeParse(json);
      if (event.success) deps.onProfile(event.data.data);
      else log.warn({ offset: message.offset }, 'not a partner profile; ignored');
      if (BigInt(message.offset) + 1n >= (ends.get(partition) ?? 0n)) {
        behind.delete(partition);
        if (behind.size === 0) caughtUp();
      }
      return Promise.resolve();
    },
  });
  return { caughtUp: ready, stop: () => consumer.disconnect() };
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
