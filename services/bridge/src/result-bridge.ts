import { RESULT_TOPIC_PATTERN, partnerOfResultTopic } from '@govmesh/contracts/topics';
import type { CloudEventPublisher } from '@govmesh/messaging';
import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';

import { handleResultMessage } from './result-handling.js';

export interface ResultBridgeDeps {
  readonly kafka: Kafka;
  readonly client: Client;
  readonly publisher: CloudEventPublisher;
  readonly logger: Logger;
  readonly groupId?: string;
  /** Which result topics to read; every partner's by default. */
  readonly topicPattern?: RegExp;
}

export interface ResultBridge {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Consumes every partner's result topic. An offset is committed only once the case accepted
 * the result or the rejection was published, so a crash re-reads the message and the update id
 * keeps it from being applied twice.
 */
export function createResultBridge(deps: ResultBridgeDeps): ResultBridge {
  const log = deps.logger.child({ component: 'result-bridge' });
  // A short session lets a restarted bridge take over a crashed one's partitions within seconds.
  const consumer = deps.kafka.consumer({
    groupId: deps.groupId ?? 'govmesh-bridge',
    allowAutoTopicCreation: false,
    sessionTimeout: 10_000,
    heartbeatInterval: 3_000,
  });
  return {
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topics: [deps.topicPattern ?? RESULT_TOPIC_PATTERN], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          const partnerId = partnerOfResultTopic(topic);
          if (partnerId) {
            const outcome = await handleResultMessage({ partnerId, topic, partition, offset: message.offset, value: message.value }, deps);
            if (outcome.accepted) log.info({ partnerId, caseId: outcome.caseId }, 'result accepted');
            else log.warn({ partnerId, code: outcome.code, reasons: outcome.reasons }, 'result rejected');
          }
          await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
        },
      });
    },
    async stop() {
      await consumer.disconnect();
    },
  };
}
