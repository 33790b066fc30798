import type { PartnerProfile } from '@govmesh/contracts/partner-profile';
import { watchPartnerRegistry, type CompactedTopicFollow } from '@govmesh/messaging';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';

import type { PartnerDirectory } from '../domain/partner-directory.js';

/**
 * Keeps a partner directory in step with the partner registry: onboarding, suspension,
 * reinstatement and termination reach every worker within a moment.
 */
export function followPartnerRegistry(deps: {
  kafka: Kafka;
  directory: PartnerDirectory;
  logger: Logger;
  /** Which partners this process takes (a test takes only its own run's). */
  accept?: (profile: PartnerProfile) => boolean;
}): Promise<CompactedTopicFollow> {
  return watchPartnerRegistry({
    kafka: deps.kafka,
    logger: deps.logger,
    onProfile: (profile) => {
      if (deps.accept && !deps.accept(profile)) return;
      deps.directory.upsert(profile);
      deps.logger.info(
        { component: 'partner-registry', partnerId: profile.id, status: profile.status },
        'partner profile updated',
      );
    },
  });
}
