import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import { ensureTopics, publishPartnerProfile, type CloudEventPublisher } from '@govmesh/messaging';
import { suspendPartner, type HeldTask } from '@govmesh/worker';
import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';

import type { PartnerRegistry } from '../ports.js';

/**
 * Onboarding creates the partner's topics and publishes its profile on the registry topic, which
 * every worker and bridge follows. A suspension is published the same way, then the partner's open
 * tasks (from the ledger) are revoked, and each case moves its task on.
 */
export class KafkaPartnerRegistry implements PartnerRegistry {
  constructor(private readonly deps: { kafka: Kafka; publisher: CloudEventPublisher; client: Client; logger: Logger; openTasks: (partnerId: string) => Promise<readonly HeldTask[]> }) {}

  async onboard(profile: PartnerProfile): Promise<void> {
    await ensureTopics(this.deps.kafka, [profile.id]);
    await publishPartnerProfile(this.deps.publisher, profile, '/govmesh/api');
  }

  async changeStatus(profile: PartnerProfile, reason: string): Promise<{ moved: readonly string[] }> {
    await publishPartnerProfile(this.deps.publisher, profile, '/govmesh/api');
    if (profile.status === 'active') return { moved: [] };
    const outcome = await suspendPartner(
      { client: this.deps.client, logger: this.deps.logger, openTasks: this.deps.openTasks, directory: { setStatus: () => undefined } },
      profile.id, reason, profile.status,
    );
    return { moved: outcome.moved };
  }
}
