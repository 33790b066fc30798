import { Kafka, logLevel } from 'kafkajs';
import { inject } from 'vitest';

/** Addresses of the engines the global setup brought up. */
export function engines(): { kafkaBrokers: string[]; temporalAddress: string } {
  const infra = inject('infra');
  return { kafkaBrokers: infra.kafka.address.split(','), temporalAddress: infra.temporal.address };
}

/**
 * A kafkajs client that gives up within seconds, so a dead broker fails a test instead of
 * hanging it in kafkajs's default retry schedule.
 */
export function kafkaClient(clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: engines().kafkaBrokers,
    connectionTimeout: 2_000,
    requestTimeout: 10_000,
    retry: { retries: 4, initialRetryTime: 200, maxRetryTime: 2_000 },
    logLevel: logLevel.NOTHING,
  });
}
