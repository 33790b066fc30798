import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import {
  aclEntries,
  applyAcls,
  ensureTopics,
  newSecret,
  partnerGrants,
  partnerPrincipal,
  publishPartnerProfile,
  removePartnerAcls,
  withKafkaAdmin,
  type CloudEventPublisher,
  type PartnerKafkaAccess,
  type ScramUsers,
} from '@govmesh/messaging';
import { takeBackPartnerTasks, type CaseClient } from '@govmesh/case-client';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';

import type { PartnerRegistry } from '../ports.js';

/** An onboarding request waits this long for a broker to come back; a client retries past that. */
const REQUEST_WAIT_MS = 20_000;

/**
 * Onboarding creates the partner's topics, its Kafka user (SCRAM-SHA-512) and the ACLs that let it
 * read its tasks and write its results and nothing else, then publishes its profile on the
 * registry topic, which every worker and bridge follows. A suspension is published the same way,
 * then the partner's open tasks (as the running cases say) are revoked, and each case moves its task on; the
 * credentials stay, so late results still arrive and are refused with a reason. Termination also
 * revokes the user (a password nobody holds) and deletes its ACLs: the broker refuses it from then on.
 */
export class KafkaPartnerRegistry implements PartnerRegistry {
  constructor(
    private readonly deps: {
      kafka: Kafka;
      publisher: CloudEventPublisher;
      cases: CaseClient;
      logger: Logger;
      users: ScramUsers;
      /** The brokers a partner is told to connect to (they may differ from the API's own). */
      partnerBrokers: readonly string[];
      /** Whether partners reach the brokers over TLS (SASL_SSL). */
      partnerTls?: boolean;
    },
  ) {}

  async onboard(profile: PartnerProfile): Promise<PartnerKafkaAccess> {
    await ensureTopics(this.deps.kafka, [profile.id], this.deps.logger);
    const access = await this.rotateCredentials(profile.id);
    await publishPartnerProfile(this.deps.publisher, profile, '/govmesh/api');
    return access;
  }

  /** Also re-grants the ACLs (idempotent), so a partner terminated and taken back gets its access again. */
  async rotateCredentials(partnerId: string): Promise<PartnerKafkaAccess> {
    const password = newSecret();
    await this.deps.users.upsert(partnerPrincipal(partnerId), password);
    await withKafkaAdmin(
      this.deps.kafka,
      'grant partner ACLs',
      (admin) => applyAcls(admin, aclEntries(partnerPrincipal(partnerId), partnerGrants(partnerId))),
      { logger: this.deps.logger, maxWaitMs: REQUEST_WAIT_MS },
    );
    this.deps.logger.info({ partnerId }, 'partner Kafka credentials issued');
    return {
      brokers: [...this.deps.partnerBrokers],
      mechanism: 'scram-sha-512',
      username: partnerPrincipal(partnerId),
      password,
      tls: this.deps.partnerTls ?? false,
    };
  }

  async changeStatus(profile: PartnerProfile, reason: string): Promise<{ moved: readonly string[] }> {
    await publishPartnerProfile(this.deps.publisher, profile, '/govmesh/api');
    if (profile.status === 'active') return { moved: [] };
    if (profile.status === 'terminated') await this.revokeAccess(profile.id);
    // Workers and bridges follow the registry topic: the partner is out of selection before its
    // tasks are taken back, so no case hands a task straight back to it.
    const outcome = await takeBackPartnerTasks(this.deps.cases, profile.id, reason);
    this.deps.logger.info(
      {
        partnerId: profile.id,
        status: profile.status,
        moved: outcome.moved.length,
        alreadySettled: outcome.alreadySettled.length,
      },
      'partner suspended; its open tasks were taken back',
    );
    return { moved: outcome.moved };
  }

  private async revokeAccess(partnerId: string): Promise<void> {
    await this.deps.users.revoke(partnerPrincipal(partnerId));
    await withKafkaAdmin(this.deps.kafka, 'remove partner ACLs', (admin) => removePartnerAcls(admin, partnerId), {
      logger: this.deps.logger,
      maxWaitMs: REQUEST_WAIT_MS,
    });
    this.deps.logger.info({ partnerId }, 'partner Kafka credentials revoked');
  }
}
