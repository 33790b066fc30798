import {
  createKafka,
  CloudEventPublisher,
  ensureTopics,
  watchPartnerRegistry,
  credentialsFromEnv,
  tlsFromEnv,
  consumerLagMetric,
  serveMetrics,
  serviceMetrics,
  type RunningService,
} from '@govmesh/messaging';
import { temporalClientTracing } from '@govmesh/telemetry/setup';
import { caseDataConverter, loadCaseDataKeys } from '@govmesh/case-client';
import { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';

import type { BridgeConfig } from './config.js';
import { bridgeMetrics } from './bridge-metrics.js';
import { createResultBridge } from './result-bridge.js';

/**
 * The result bridge as a service: resolved once it reads every partner's result topic.
 * `onFatal` is told if the consumer stops for good (a process exits so that it is restarted).
 */
export async function startBridge(
  config: BridgeConfig,
  logger: Logger,
  onFatal: (error: Error) => void = () => process.exit(1),
): Promise<RunningService> {
  const kafka = createKafka({
    clientId: 'govmesh-bridge',
    brokers: config.KAFKA_BROKERS,
    logger,
    credentials: credentialsFromEnv(config),
    tls: tlsFromEnv(config),
  });
  await ensureTopics(kafka, [], logger);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const metrics = serviceMetrics('bridge');
  const publisher = new CloudEventPublisher(kafka, { metrics });
  // The partners to read results from: those on the registry that are not terminated (a suspended
  // partner's late answers must still be heard, and rejected).
  const partners = new Map<string, string>();
  const bridge = createResultBridge({
    kafka,
    // The Update joins the trace of the partner's result (Temporal headers carry it to the case).
    client: new Client({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      interceptors: temporalClientTracing(),
      dataConverter: caseDataConverter(loadCaseDataKeys(config.caseKeys)),
    }),
    publisher,
    logger,
    groupId: config.GOVMESH_BRIDGE_GROUP,
    concurrency: config.GOVMESH_BRIDGE_CONCURRENCY,
    metrics: bridgeMetrics(metrics.registry),
    // Exit so that the supervisor (systemd, Kubernetes, npm start) restarts a bridge that stopped reading.
    onFatal,
    ...(config.GOVMESH_BRIDGE_TOPIC_PATTERN
      ? { topicPattern: config.GOVMESH_BRIDGE_TOPIC_PATTERN }
      : { partners: () => [...partners].filter(([, status]) => status !== 'terminated').map(([id]) => id) }),
  });
  let caughtUp = false;
  let refresh: NodeJS.Timeout | undefined;
  const registry = await watchPartnerRegistry({
    kafka,
    logger,
    onProfile: (profile) => {
      const before = partners.get(profile.id);
      partners.set(profile.id, profile.status);
      const listening = (s: string | undefined) => s !== undefined && s !== 'terminated';
      if (!caughtUp || listening(before) === listening(profile.status)) return;
      clearTimeout(refresh);
      refresh = setTimeout(
        () => void bridge.refresh().catch((err: unknown) => logger.error({ err }, 'could not re-subscribe')),
        500,
      );
    },
  });
  await registry.caughtUp;
  caughtUp = true;
  await bridge.start();
  // How far behind the partners' results the bridge is: the first sign of a stuck hand-over.
  const lag = consumerLagMetric(metrics.registry, kafka, config.GOVMESH_BRIDGE_GROUP);
  const scrape = await serveMetrics(
    metrics.registry,
    config.GOVMESH_METRICS_HOST,
    config.GOVMESH_BRIDGE_METRICS_PORT,
    logger,
  );
  return {
    async stop() {
      await scrape.close();
      await lag.close();
      clearTimeout(refresh);
      await registry.stop();
      await bridge.stop();
      await publisher.close();
      await connection.close();
    },
  };
}
