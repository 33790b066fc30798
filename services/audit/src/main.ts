import { CloudEventPublisher, createKafka, ensureTopics, credentialsFromEnv, tlsFromEnv } from '@govmesh/messaging';
import { pino } from 'pino';

import { loadOrCreateSigningKey } from './checkpoint-signing.js';
import { loadConfig } from './config.js';
import { createLedgerConsumer } from './ledger-consumer.js';
import { SqliteLedgerStore } from './sqlite-ledger-store.js';

const config = loadConfig();
const logger = pino({ name: 'govmesh-audit', level: config.LOG_LEVEL });
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
  onFatal: () => process.exit(1),
});
await consumer.start();
logger.info({ ledger: config.ledgerFile, keyId: signer.keyId }, 'audit ledger running');

const stop = async (signal: string): Promise<void> => {
  logger.info({ signal, ...consumer.stats() }, 'audit ledger stopping');
  await consumer.stop();
  await publisher.close();
  store.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop('SIGTERM'));
process.once('SIGINT', () => void stop('SIGINT'));
