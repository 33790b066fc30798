import { CaseClient } from '@govmesh/case-client';
import {
  CloudEventPublisher,
  ScramUsers,
  createKafka,
  credentialsFromEnv,
  ensureTopics,
  tlsFromEnv,
} from '@govmesh/messaging';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';

import { KafkaEventRecorder, EngineReadiness } from './adapters/kafka-event-recorder.js';
import { KafkaPartnerRegistry } from './adapters/kafka-partner-registry.js';
import { LedgerAuditReader } from './adapters/ledger-audit-reader.js';
import { loadConfig } from './config.js';
import { DevelopmentIssuer, discoverIssuer } from '@govmesh/tokens';
import { createMetrics } from './metrics.js';
import { PlatformStore } from './platform-store.js';
import { createServer } from './server.js';

const config = loadConfig();
const logger = pino({ name: 'govmesh-api', level: config.LOG_LEVEL });
// Tokens come from an OpenID Connect issuer; on a laptop, from govmesh's own development issuer.
const developmentIssuer = config.GOVMESH_OIDC_ISSUER
  ? undefined
  : await DevelopmentIssuer.open(config.developmentIssuerKeyFile, config.GOVMESH_OIDC_AUDIENCE);
let tokens;
try {
  tokens =
    developmentIssuer?.verifier() ?? (await discoverIssuer(config.GOVMESH_OIDC_ISSUER!, config.GOVMESH_OIDC_AUDIENCE));
} catch (err) {
  logger.fatal({ code: (err as { code?: string }).code }, (err as Error).message);
  process.exit(1);
}
if (developmentIssuer)
  logger.warn(
    'accepting tokens of the development issuer (`govmesh token mint`); set GOVMESH_OIDC_ISSUER outside a laptop',
  );
else
  logger.info(
    { issuer: config.GOVMESH_OIDC_ISSUER, audience: config.GOVMESH_OIDC_AUDIENCE },
    'accepting tokens of the OpenID Connect issuer',
  );
const credentials = credentialsFromEnv(config);
const tls = tlsFromEnv(config);
const kafka = createKafka({ clientId: 'govmesh-api', brokers: config.KAFKA_BROKERS, logger, credentials, tls });
await ensureTopics(kafka);
const publisher = new CloudEventPublisher(kafka);
const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
const store = new PlatformStore(config.platformDb);
const audit = new LedgerAuditReader(config.ledgerFile, config.signingKeyFile);
const cases = new CaseClient(client, { taskQueue: config.GOVMESH_CASE_TASK_QUEUE });
const app = createServer({
  store,
  cases,
  partners: new KafkaPartnerRegistry({
    kafka,
    publisher,
    cases,
    logger,
    users: new ScramUsers(config.KAFKA_BROKERS, credentials, tls),
    partnerBrokers: config.GOVMESH_PARTNER_KAFKA_BROKERS ?? config.KAFKA_BROKERS,
    partnerTls: tls !== undefined,
  }),
  audit,
  events: new KafkaEventRecorder(publisher),
  readiness: new EngineReadiness(kafka, connection),
  tokens,
  ...(developmentIssuer ? { developmentIssuer } : {}),
  logger,
  metrics: createMetrics(audit),
  rateLimitPerMinute: config.GOVMESH_API_RATE_LIMIT,
});
const server = app.listen(config.GOVMESH_API_PORT, config.GOVMESH_API_HOST, (err?: Error) => {
  // express 5 hands a failed listen (port taken) to this callback.
  if (err) {
    logger.fatal(
      { err },
      `cannot listen on ${config.GOVMESH_API_HOST}:${config.GOVMESH_API_PORT}; set GOVMESH_API_PORT`,
    );
    process.exit(1);
  }
  logger.info(
    {
      url: `http://${config.GOVMESH_API_HOST}:${config.GOVMESH_API_PORT}`,
      docs: `http://${config.GOVMESH_API_HOST}:${config.GOVMESH_API_PORT}/docs`,
    },
    'api running',
  );
});

const stop = (signal: string): void => {
  logger.info({ signal }, 'api stopping');
  server.close(() => {
    void (async () => {
      await publisher.close();
      await connection.close();
      store.close();
      audit.close();
      process.exit(0);
    })();
  });
};
process.once('SIGTERM', () => stop('SIGTERM'));
process.once('SIGINT', () => stop('SIGINT'));
