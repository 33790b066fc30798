import { PARTNER_STANDING, partnerStandingKey, type PartnerStanding } from '@govmesh/contracts/partner-scorecard';
import { PARTNER_STANDINGS_TOPIC } from '@govmesh/contracts/topics';
import type { CloudEventPublisher } from '@govmesh/messaging';
import type { Logger } from 'pino';

import type { LedgerReadModel } from './ledger-read-model.js';

export interface StandingsPublisher {
  /** Reads the records appended since the last call and publishes the standings that changed. */
  publishChanges(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Keeps `govmesh.partner-standings` in step with the ledger: each partner's count of tasks and
 * score per task type, which best-score selection in the worker needs. It reads only the records
 * appended since its last pass, and publishes a standing only when it changed; after a restart it
 * publishes every standing once (compaction keeps the latest, so that is harmless).
 */
export function startStandingsPublisher(deps: {
  readModel: LedgerReadModel;
  publisher: CloudEventPublisher;
  logger: Logger;
  /** How often to look for new records. */
  intervalMs: number;
}): StandingsPublisher {
  const log = deps.logger.child({ component: 'partner-standings' });
  const published = new Map<string, string>();
  let running: Promise<number> | undefined;

  async function pass(): Promise<number> {
    const standings = await deps.readModel.standings();
    const seq = deps.readModel.seq;
    const changed: PartnerStanding[] = [];
    for (const standing of standings) {
      const key = partnerStandingKey(standing);
      const value = `${standing.assigned}/${standing.score}`;
      if (published.get(key) !== value) changed.push(standing);
    }
    if (changed.length === 0) return 0;
    await deps.publisher.publishAll(
      changed.map((standing) => ({
        topic: PARTNER_STANDINGS_TOPIC,
        key: partnerStandingKey(standing),
        event: {
          id: `${partnerStandingKey(standing)}@${seq}`,
          type: PARTNER_STANDING,
          source: '/govmesh/audit',
          subject: standing.partnerId,
          data: standing,
        },
      })),
    );
    for (const s of changed) published.set(partnerStandingKey(s), `${s.assigned}/${s.score}`);
    log.debug({ published: changed.length, throughSeq: seq }, 'partner standings published');
    return changed.length;
  }

  const publishChanges = (): Promise<number> => {
    // One pass at a time: a slow broker must not stack passes up.
    running ??= pass().finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => {
    publishChanges().catch((err: unknown) =>
      log.warn({ err }, 'partner standings not published; trying again at the next pass'),
    );
  }, deps.intervalMs);
  timer.unref();
  return {
    publishChanges,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
