import {
  CloudEventPublisher,
  createKafka,
  ensureTopics,
  credentialsFromEnv,
  tlsFromEnv,
  serviceMetrics,
  type RunningService,
} from '@govmesh/messaging';
import type { Server } from 'node:http';

import type { Logger } from 'pino';

import { loadOrCreateSigningKey } from './checkpoint-signing.js';
import type { AuditConfig } from './config.js';
import { createLedgerConsumer } from './ledger-consumer.js';
import { caseMetrics } from './case-metrics.js';
import { ledgerMetrics } from './ledger-metrics.js';
import { serveLedgerReadApi } from './ledger-read-api.js';
import { LedgerReadModel } from './ledger-read-model.js';
import { describeLedgerLocation, openLedgerStore } from './ledger-stores.js';
import { startStandingsPublisher } from './standings-publisher.js';

/**
 * The audit ledger as a service: resolved once it consumes govmesh.events into the ledger, serves
 * its read model (GOVMESH_AUDIT_URL) and publishes partner standings. It alone opens the ledger.
 */
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
  await ensureTopics(kafka, [], logger);
  const store = await openLedgerStore(config);
  logger.info({ ledger: describeLedgerLocation(config) }, 'audit ledger opened');
  const signer = loadOrCreateSigningKey(config.signingKeyFile);
  const metrics = serviceMetrics('audit');
  const publisher = new CloudEventPublisher(kafka, { metrics });
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
    onAppended: caseMetrics(metrics.registry, store),
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
  ledgerMetrics(metrics.registry, () => consumer.stats());
  // Reads go through a connection of their own: a long scorecard never holds up an append.
  const reads = await openLedgerStore(config, { readonly: true });
  const readModel = new LedgerReadModel(reads, {
    logger: logger.child({ component: 'ledger-read-model' }),
    snapshot: { file: config.snapshotFile, everyRecords: config.GOVMESH_AUDIT_SNAPSHOT_EVERY },
  });
  // The read model's address is taken before the consumer joins its group: a start that fails on
  // a taken port (a second govmesh on the same machine) must not have rebalanced the serving
  // ledger's group, or appended to it, first.
  let server: Server | undefined;
  try {
    server = await serveLedgerReadApi(
      {
        store: reads,
        readModel,
        secret: config.readSecret,
        publicKey: signer.publicKey,
        logger,
        metrics: metrics.registry,
      },
      config.GOVMESH_AUDIT_URL,
    );
    await consumer.start();
  } catch (err) {
    if (server) await closed(server);
    await publisher.close();
    await reads.close();
    await store.close();
    throw err;
  }
  const serving = server;
  // Read the ledger so far now, not at the first request.
  readModel
    .catchUp()
    .catch((err: unknown) => logger.warn({ err }, 'ledger read model not caught up; trying again at the next read'));
  const standings = startStandingsPublisher({
    readModel,
    publisher,
    logger,
    intervalMs: config.GOVMESH_AUDIT_STANDINGS_INTERVAL_MS,
  });
  logger.info({ url: config.GOVMESH_AUDIT_URL }, 'audit read model listening');
  return {
    keyId: signer.keyId,
    async stop() {
      logger.info(consumer.stats(), 'audit ledger draining');
      await closed(serving);
      await standings.stop();
      await consumer.stop();
      // What was appended to the last: the next start reads only what comes after.
      await readModel.saveSnapshot();
      await publisher.close();
      await reads.close();
      await store.close();
    },
  };
}

const closed = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));
