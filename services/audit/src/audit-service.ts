import {
  CloudEventPublisher,
  createKafka,
  ensureTopics,
  credentialsFromEnv,
  tlsFromEnv,
  type RunningService,
} from '@govmesh/messaging';
import type { Logger } from 'pino';

import { loadOrCreateSigningKey } from './checkpoint-signing.js';
import type { AuditConfig } from './config.js';
import { createLedgerConsumer } from './ledger-consumer.js';
import { SqliteLedgerStore } from './sqlite-ledger-store.js';

/** The audit ledger as a service: resolved once it consumes govmesh.events into the ledger. */
export async function startAuditLedger(
  config: AuditConfig,
  logger: Logger,
  onFatal: (error: Error) => void = () => process.exit(1),
): Promise<RunningService & { readonly keyId: string }> {
  const kafka = createKafka({
    clientId: 'govmesh-audit',
    brokers: config.KAFKA_BROKERS,
    logger,
    credentials: credentialsFromEnv(config),
    tls: tlsFromEnv(config),
  });
  await ensureTopics(kafka);
  const store = new SqliteLedgerStore(config.ledgerFile);
  const signer = loadOrCreateSigningKey(config.signingKeyFile);
  const publisher = new CloudEventPublisher(kafka);
  let batches = 0;
  const consumer = createLedgerConsumer({
    kafka,
    store,
    publisher,
    logger,
    signer,
    groupId: config.GOVMESH_AUDIT_GROUP,
    checkpointEvery: config.GOVMESH_AUDIT_CHECKPOINT_EVERY,
    checkpointIntervalMs: config.GOVMESH_AUDIT_CHECKPOINT_INTERVAL_MS,
    ...(config.GOVMESH_AUDIT_KILL_AFTER_BATCHES
      ? {
          afterAppend: (appended: number) => {
            if (appended > 0 && ++batches >= config.GOVMESH_AUDIT_KILL_AFTER_BATCHES!)
              process.kill(process.pid, 'SIGKILL');
          },
        }
      : {}),
    onFatal,
  });
  await consumer.start();
  return {
    keyId: signer.keyId,
    async stop() {
      logger.info(consumer.stats(), 'audit ledger draining');
      await consumer.stop();
      await publisher.close();
      store.close();
    },
  };
}
