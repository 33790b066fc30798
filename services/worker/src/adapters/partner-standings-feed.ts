import { partnerStandingKey, type PartnerStanding } from '@govmesh/contracts/partner-scorecard';
import { watchPartnerStandings, type CompactedTopicFollow } from '@govmesh/messaging';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';

import type { PartnerStandings } from '../domain/partner-directory.js';

/**
 * Partner standings as the audit service publishes them on `govmesh.partner-standings`: the
 * worker learns how partners have done without opening the ledger.
 */
export class PublishedStandings implements PartnerStandings {
  private readonly standings = new Map<string, PartnerStanding>();

  /** Kept current by the follow; nothing to do at selection time. */
  refresh(): Promise<void> {
    return Promise.resolve();
  }

  standing(partnerId: string, taskType: string): { assigned: number; score: number | null } | undefined {
    const s = this.standings.get(partnerStandingKey({ partnerId, taskType }));
    return s && { assigned: s.assigned, score: s.score };
  }

  record(standing: PartnerStanding): void {
    this.standings.set(partnerStandingKey(standing), standing);
  }
}

/** Follows the standings topic into `standings`; `caughtUp` once what was there at start is read. */
export function followPartnerStandings(deps: {
  kafka: Kafka;
  standings: PublishedStandings;
  logger: Logger;
}): Promise<CompactedTopicFollow> {
  return watchPartnerStandings({
    kafka: deps.kafka,
    logger: deps.logger,
    onStanding: (standing) => deps.standings.record(standing),
  });
}
