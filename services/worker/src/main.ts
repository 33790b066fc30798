import { LedgerScoreboard } from '@govmesh/audit';
import { createKafka, CloudEventPublisher, ensureTopics, credentialsFromEnv, tlsFromEnv } from '@govmesh/messaging';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { pino } from 'pino';

import { DEMO_AGENCY_ACTIVITIES } from './adapters/agency-activities.js';
import { DEMO_REGISTRIES } from './adapters/registries.js';
import { createCaseWorkers } from './case-workers.js';
import { loadConfig } from './config.js';
import { PartnerDirectory } from './domain/partner-directory.js';
import { WorkingCalendar } from './domain/working-calendar.js';
import { followPartnerRegistry } from './adapters/partner-registry-feed.js';
import { readPartnersFile } from './partners-file.js';

const config = loadConfig();
const logger = pino({ name: 'govmesh-worker', level: config.LOG_LEVEL });
const temporalLog = logger.child({ component: 'temporal' });
Runtime.install({
  logger: new DefaultLogger('WARN', (entry) =>
    temporalLog[entry.level === 'ERROR' ? 'error' : 'warn']({ ...entry.meta }, entry.message),
  ),
});

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
);
const publisher = new CloudEventPublisher(kafka);
const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
// The file seeds the directory; the registry topic (the API's onboarding and suspensions) updates it.
const directory = new PartnerDirectory(partners, LedgerScoreboard.fromSqliteFile(config.ledgerFile));
const registry = await followPartnerRegistry({ kafka, directory, logger });
await registry.caughtUp;
const workers = await createCaseWorkers({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  publisher,
  partners: directory,
  registries: DEMO_REGISTRIES,
  calendar: WorkingCalendar.fromFile(config.GOVMESH_CALENDAR_FILE),
  agencies: DEMO_AGENCY_ACTIVITIES,
  logger,
  taskQueue: config.GOVMESH_CASE_TASK_QUEUE,
  maxCachedCases: config.GOVMESH_WORKER_MAX_CACHED_CASES,
});
logger.info(
  {
    taskQueue: config.GOVMESH_CASE_TASK_QUEUE,
    maxCachedCases: config.GOVMESH_WORKER_MAX_CACHED_CASES,
    partners: partners.length,
    agencies: Object.keys(DEMO_AGENCY_ACTIVITIES),
  },
  'worker running',
);
// The SDK shuts the workers down gracefully on SIGTERM and SIGINT.
await Promise.all(workers.map((w) => w.run()));
await registry.stop();
await publisher.close();
await connection.close();
logger.info('worker stopped');
