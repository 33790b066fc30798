import { createServer, type Server } from 'node:http';

import type { Kafka } from 'kafkajs';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';

/** A service's Prometheus registry: process metrics under `govmesh_<service>_`, and what it publishes. */
export interface ServiceMetrics {
  readonly registry: Registry;
  /** CloudEvents this process published, by type (domain events, tasks, refusals, standings). */
  readonly published: Counter<'type'>;
}

export function serviceMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: `govmesh_${service}_` });
  return {
    registry,
    published: new Counter({
      name: 'govmesh_events_published_total',
      help: 'CloudEvents published to Kafka, by type, once the broker acknowledged them',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
  };
}

/**
 * Serves `GET /metrics` (Prometheus text format) on `host:port`, for a service that has no HTTP
 * server of its own. Ids and codes only in the labels, never a person's data.
 */
export async function serveMetrics(
  registry: Registry,
  host: string,
  port: number,
  logger: Logger,
): Promise<{ readonly port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => {
        logger.warn({ err }, 'metrics could not be collected');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be collected\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new Error(`cannot serve metrics on ${host}:${port} (${err.message}); set the service's METRICS_PORT`)),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  logger.info({ metrics: `http://${host}:${bound}/metrics` }, 'metrics served');
  return {
    port: bound,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * `govmesh_consumer_lag_messages{group,topic}`: how far a consumer group is behind each topic it
 * reads (the newest offset less the group's committed one, summed over partitions), asked of the
 * broker at each scrape. A scrape while the broker is away shows no value rather than failing.
 */
export function consumerLagMetric(registry: Registry, kafka: Kafka, groupId: string): { close(): Promise<void> } {
  const admin = kafka.admin();
  let connected: Promise<void> | undefined;
  new Gauge({
    name: 'govmesh_consumer_lag_messages',
    help: 'Messages a consumer group has not yet processed, by topic (newest offset minus committed offset)',
    labelNames: ['group', 'topic'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        connected ??= admin.connect();
        await connected;
        for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
          const newest = new Map(
            (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)] as const),
          );
          const lag = partitions.reduce((sum, p) => {
            const committed = Number(p.offset);
            const high = newest.get(p.partition) ?? 0;
            return sum + Math.max(0, committed < 0 ? high : high - committed);
          }, 0);
          this.set({ group: groupId, topic }, lag);
        }
      } catch {
        connected = undefined;
      }
    },
  });
  return {
    async close() {
      if (connected) await admin.disconnect().catch(() => undefined);
    },
  };
}
