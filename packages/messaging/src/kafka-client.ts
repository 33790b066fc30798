import { Kafka, logLevel, type SASLOptions, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

import type { KafkaCredentials, KafkaTls } from './kafka-security.js';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** kafkajs logs through the service's pino logger, one child per kafkajs namespace. */
export function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...extra } = log;
      logger.child({ component: 'kafkajs', namespace })[LEVELS[level] ?? 'info'](extra, message);
    };
}

/**
 * How long the broker may hold a consumer's fetch that finds nothing new (kafkajs's
 * `maxWaitTimeInMs`). kafkajs waits for the fetch in flight before a consumer disconnects
 * (tulios/kafkajs#1606), so this is also how long stopping one takes: 5 s by kafkajs's default,
 * which made a stopping bridge wait 10 s. Java's client holds a fetch 500 ms; so do we.
 */
export const FETCH_WAIT_MS = 500;

/** A kafkajs client that logs through pino and, given credentials, authenticates with SASL. */
export function createKafka(options: {
  clientId: string;
  brokers: readonly string[];
  logger: Logger;
  credentials?: KafkaCredentials | undefined;
  /** TLS towards the brokers; plain TCP when absent. */
  tls?: KafkaTls | undefined;
}): Kafka {
  const { credentials, tls } = options;
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    ...(credentials ? { sasl: saslOf(credentials) } : {}),
    ...(tls ? { ssl: { ...tls } } : {}),
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(options.logger),
    retry: { initialRetryTime: 300, retries: 8 },
  });
}

/** kafkajs's SASL options for `credentials` (its type wants the mechanism as a literal). */
export function saslOf(credentials: KafkaCredentials): SASLOptions {
  const { username, password } = credentials;
  switch (credentials.mechanism) {
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'plain':
      return { mechanism: 'plain', username, password };
  }
}
