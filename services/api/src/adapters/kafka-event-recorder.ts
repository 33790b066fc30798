import { satisfactionRatedEventId } from '@govmesh/contracts/case-ids';
import { DOMAIN_EVENTS, EVENT_SOURCES } from '@govmesh/contracts/domain-events';
import { EVENTS_TOPIC } from '@govmesh/contracts/topics';
import type { CloudEventPublisher } from '@govmesh/messaging';
import type { Kafka } from 'kafkajs';
import type { Connection } from '@temporalio/client';

import type { EventRecorder, Readiness } from '../ports.js';

/** A citizen's rating goes onto the events topic like every other fact, and so into the ledger. */
export class KafkaEventRecorder implements EventRecorder {
  constructor(private readonly publisher: CloudEventPublisher) {}

  async satisfactionRated(caseId: string, score: number): Promise<void> {
    await this.publisher.publish(EVENTS_TOPIC, caseId, {
      id: satisfactionRatedEventId(caseId),
      type: DOMAIN_EVENTS.satisfactionRated.type,
      source: EVENT_SOURCES.api,
      subject: caseId,
      data: DOMAIN_EVENTS.satisfactionRated.data.parse({ correlationId: caseId, causationId: caseId, score }),
    });
  }
}

/** Ready when Kafka answers a metadata request and Temporal answers a health check. */
export class EngineReadiness implements Readiness {
  constructor(
    private readonly kafka: Kafka,
    private readonly temporal: Connection,
  ) {}

  async check(): Promise<Record<string, { ok: boolean; detail?: string }>> {
    const bounded = <T>(p: Promise<T>) =>
      Promise.race([
        p,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 3 s')), 3_000)),
      ]);
    const kafka = (async () => {
      const admin = this.kafka.admin();
      try {
        await bounded(admin.connect());
        const cluster = await bounded(admin.describeCluster());
        return { ok: true, detail: `${cluster.brokers.length} broker(s)` };
      } catch (err) {
        return { ok: false, detail: (err as Error).message };
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    })();
    const temporal = bounded(this.temporal.healthService.check({})).then(
      () => ({ ok: true }),
      (err: unknown) => ({ ok: false, detail: (err as Error).message }),
    );
    return { kafka: await kafka, temporal: await temporal };
  }
}
