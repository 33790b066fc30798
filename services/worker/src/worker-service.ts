import {
  createKafka,
  CloudEventPublisher,
  ensureTopics,
  credentialsFromEnv,
  tlsFromEnv,
  serveMetrics,
  serviceMetrics,
  type RunningService,
} from '@govmesh/messaging';
import { caseDataConverter, ensureCaseSearchAttributes, loadCaseDataKeys } from '@govmesh/case-client';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';

import { createCaseWorkers } from './case-workers.js';
import type { WorkerConfig } from './config.js';
import { PartnerDirectory } from './domain/partner-directory.js';
import { WorkingCalendar } from './domain/working-calendar.js';
import { followPartnerRegistry } from './adapters/partner-registry-feed.js';
import { PublishedStandings, followPartnerStandings } from './adapters/partner-standings-feed.js';
import { readPartnersFile } from './partners-file.js';

/**
 * The case worker as a service: resolved once it polls for cases and agency work. The SDK's
 * runtime (logging) is the caller's to install, once per process.
 */
export async function startWorker(config: WorkerConfig, logger: Logger): Promise<RunningService> {
  // Optional seed; the partner registry topic (onboarding through the API) is the source of truth.
  const partners = config.GOVMESH_PARTNERS_FILE ? readPartnersFile(config.GOVMESH_PARTNERS_FILE) : [];
  const kafka = createKafka({
    clientId: 'govmesh-worker',
    brokers: config.KAFKA_BROKERS,
    logger,
    credentials: credentialsFromEnv(config),
    tls: tlsFromEnv(config),
  });
  await ensureTopics(
    kafka,
    partners.map((p) => p.id),
    logger,
  );
  // Every case event, task and refusal it publishes is counted by type (cases started, completed,
  // failed; deadlines breached; escalations) on /metrics.
  const metrics = serviceMetrics('worker');
  const publisher = new CloudEventPublisher(kafka, { metrics });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  await ensureCaseSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
  // The file seeds the directory; the registry topic (the API's onboarding and suspensions) updates it.
  // Best-score selection reads the standings the audit service publishes from its ledger.
  const standings = new PublishedStandings();
  const directory = new PartnerDirectory(partners, standings);
  const registry = await followPartnerRegistry({ kafka, directory, logger });
  const scores = await followPartnerStandings({ kafka, standings, logger });
  await Promise.all([registry.caughtUp, scores.caughtUp]);
  const workers = await createCaseWorkers({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    publisher,
    partners: directory,
    calendar: WorkingCalendar.fromFile(config.GOVMESH_CALENDAR_FILE),
    logger,
    taskQueue: config.GOVMESH_CASE_TASK_QUEUE,
    maxCachedCases: config.GOVMESH_WORKER_MAX_CACHED_CASES,
    dataConverter: caseDataConverter(loadCaseDataKeys(config.caseKeys)),
  });
  const running = Promise.all(workers.map((w) => w.run()));
  const scrape = await serveMetrics(
    metrics.registry,
    config.GOVMESH_METRICS_HOST,
    config.GOVMESH_WORKER_METRICS_PORT,
    logger,
  );
  return {
    async stop() {
      await scrape.close();
      workers.forEach((w) => w.shutdown());
      await running;
      await registry.stop();
      await scores.stop();
      await publisher.close();
      await connection.close();
    },
  };
}
