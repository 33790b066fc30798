import { CaseClient, CaseDataCodec, caseDataConverter, loadCaseDataKeys } from '@govmesh/case-client';
import {
  CloudEventPublisher,
  ScramUsers,
  createKafka,
  credentialsFromEnv,
  ensureTopics,
  personalData,
  tlsFromEnv,
  type RunningService,
} from '@govmesh/messaging';
import { temporalClientTracing } from '@govmesh/telemetry/setup';
import { Client, Connection } from '@temporalio/client';
import { closedCaseRetentionDays } from '@govmesh/contracts/service-definition';
import type { Logger } from 'pino';

import { KafkaEventRecorder, EngineReadiness } from './adapters/kafka-event-recorder.js';
import { KafkaPartnerRegistry } from './adapters/kafka-partner-registry.js';
import { HttpAuditReader } from './adapters/http-audit-reader.js';
import type { ApiConfig } from './config.js';
import { DevelopmentIssuer, discoverIssuer } from '@govmesh/tokens';
import { createMetrics } from './metrics.js';
import { describeStoreLocation, openPlatformStore } from './platform-stores.js';
import { createServer } from './server.js';
import { scheduleRetentionSweeps } from './case-erasure.js';

/**
 * How many days Temporal keeps closed histories in the namespace; a service keeping its closed
 * cases longer is warned at publish, and those already published are named here.
 */
async function namespaceRetentionDays(
  connection: Connection,
  namespace: string,
  logger: Logger,
): Promise<number | undefined> {
  try {
    const described = await connection.workflowService.describeNamespace({ namespace });
    const seconds = Number(described.config?.workflowExecutionRetentionTtl?.seconds ?? 0);
    return seconds > 0 ? Math.floor(seconds / 86_400) : undefined;
  } catch (err) {
    logger.warn({ err: (err as Error).message, namespace }, "could not read the namespace's retention");
    return undefined;
  }
}

/** The HTTP API as a service: resolved once it listens; refused (thrown) when its issuer or port is unusable. */
export async function startApi(config: ApiConfig, logger: Logger): Promise<RunningService & { readonly url: string }> {
  // Tokens come from an OpenID Connect issuer; on a laptop, from govmesh's own development issuer.
  const developmentIssuer = config.GOVMESH_OIDC_ISSUER
    ? undefined
    : await DevelopmentIssuer.open(config.developmentIssuerKeyFile, config.GOVMESH_OIDC_AUDIENCE);
  const tokens =
    developmentIssuer?.verifier() ?? (await discoverIssuer(config.GOVMESH_OIDC_ISSUER!, config.GOVMESH_OIDC_AUDIENCE));
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
  await ensureTopics(kafka, [], logger);
  const publisher = new CloudEventPublisher(kafka);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  // A case started or answered here joins the trace of the request (Temporal headers carry it).
  // Case data is sealed before it reaches Temporal; the same keys open it for the codec endpoint.
  const caseKeys = loadCaseDataKeys(config.caseKeys);
  const client = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    interceptors: temporalClientTracing(),
    dataConverter: caseDataConverter(caseKeys),
  });
  const store = await openPlatformStore(config);
  logger.info({ store: describeStoreLocation(config) }, 'platform store opened');
  // The logs redact every field a published contract marks personal, not only the seeds'.
  for (const form of await store.latestForms()) personalData.learn(form.schema);
  for (const t of await store.latestTaskTypes()) {
    personalData.learn(t.input);
    personalData.learn(t.output);
  }
  const audit = new HttpAuditReader(config.GOVMESH_AUDIT_URL, config.auditReadSecret);
  const cases = new CaseClient(client, { taskQueue: config.GOVMESH_CASE_TASK_QUEUE });
  const caseHistoryRetentionDays = await namespaceRetentionDays(connection, config.TEMPORAL_NAMESPACE, logger);
  const deps = {
    ...(caseHistoryRetentionDays !== undefined ? { caseHistoryRetentionDays } : {}),
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
    caseData: new CaseDataCodec(caseKeys),
    rateLimitPerMinute: config.GOVMESH_API_RATE_LIMIT,
    smallCountThreshold: config.GOVMESH_TRANSPARENCY_SMALL_COUNT,
    personalData,
    codecCorsOrigins: config.GOVMESH_CODEC_CORS_ORIGINS,
  };
  const app = createServer(deps);
  if (caseHistoryRetentionDays !== undefined) {
    const outlived = (await store.latestServices())
      .filter((v) => closedCaseRetentionDays(v.definition) > caseHistoryRetentionDays)
      .map((v) => `${v.definition.id}@${v.definition.version}`);
    // On a laptop the dev server keeps histories a day, on purpose: said, not warned about.
    const production = config.NODE_ENV === 'production' || config.GOVMESH_PRODUCTION;
    if (outlived.length)
      logger[production ? 'warn' : 'info'](
        { namespace: config.TEMPORAL_NAMESPACE, namespaceRetentionDays: caseHistoryRetentionDays, services: outlived },
        'these services keep closed cases longer than Temporal keeps their histories: raise the namespace retention (temporal operator namespace update --retention)',
      );
  }
  // Closed cases past their service's retention lose their personal data on a schedule.
  const retention = scheduleRetentionSweeps(deps, config.GOVMESH_RETENTION_SWEEP_SECONDS * 1000);
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve, reject) => {
    const listening = app.listen(config.GOVMESH_API_PORT, config.GOVMESH_API_HOST, (err?: Error) =>
      // express 5 hands a failed listen (port taken) to this callback.
      err
        ? reject(
            new Error(
              `cannot listen on ${config.GOVMESH_API_HOST}:${config.GOVMESH_API_PORT} (${err.message}); set GOVMESH_API_PORT`,
            ),
          )
        : resolve(listening),
    );
  });
  return {
    url: `http://${config.GOVMESH_API_HOST}:${config.GOVMESH_API_PORT}`,
    async stop() {
      await new Promise((resolve) => server.close(resolve));
      await retention.stop();
      await publisher.close();
      await connection.close();
      await store.close();
    },
  };
}
