import { createServer, type Server } from 'node:http';

import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
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
