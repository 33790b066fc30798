import {
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
  type Admin,
  type Kafka,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { KafkaUnreachable, isBrokerUnreachable, withKafkaAdmin } from './kafka-admin.js';

const refused = () => new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:19094');

/** A client whose admins each answer the next scripted outcome; counts admins made and closed. */
function scriptedKafka(outcomes: Array<Error | string>) {
  let made = 0;
  let closed = 0;
  const kafka = {
    admin: () => {
      const outcome = outcomes[Math.min(made, outcomes.length - 1)]!;
      made += 1;
      return {
        connect: () => Promise.resolve(),
        disconnect: () => {
          closed += 1;
          return Promise.resolve();
        },
        listTopics: () => (outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve([outcome])),
      } as unknown as Admin;
    },
  } as unknown as Kafka;
  return { kafka, made: () => made, closed: () => closed };
}

describe('asking Kafka again while a broker is down', () => {
  it('asks with a new admin (fresh metadata) until the dead leader is replaced', async () => {
    const { kafka, made, closed } = scriptedKafka([refused(), refused(), 'govmesh.events']);
    await expect(withKafkaAdmin(kafka, 'list topics', (a) => a.listTopics())).resolves.toEqual(['govmesh.events']);
    expect(made()).toBe(3);
    expect(closed()).toBe(3);
  });

  it('passes a refusal that is not about reaching a broker straight to the caller', async () => {
    const denied = new KafkaJSProtocolError({
      message: 'Not authorized to access topics: [Topic authorization failed]',
      type: 'TOPIC_AUTHORIZATION_FAILED',
      code: 29,
      retriable: false,
    } as never);
    const { kafka, made } = scriptedKafka([denied, 'never']);
    await expect(withKafkaAdmin(kafka, 'list topics', (a) => a.listTopics())).rejects.toBe(denied);
    expect(made()).toBe(1);
  });

  it('gives up after its wait with an error naming the operation and the last refusal', async () => {
    const { kafka } = scriptedKafka([refused()]);
    const err = await withKafkaAdmin(kafka, 'read the end of govmesh.partners', (a) => a.listTopics(), {
      maxWaitMs: 600,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaUnreachable);
    expect((err as KafkaUnreachable).message).toMatch(/"read the end of govmesh.partners".*ECONNREFUSED/);
    expect((err as KafkaUnreachable).retriable).toBe(true);
  });

  it("counts kafkajs's own exhausted retries on a refused connection as unreachable", () => {
    const exhausted = new KafkaJSNumberOfRetriesExceeded(refused(), { retryCount: 8, retryTime: 30_000 });
    expect(isBrokerUnreachable(exhausted)).toBe(true);
    expect(isBrokerUnreachable(new TypeError('x'))).toBe(false);
    // Seen when the broker died while a connection to it was authenticating. (kafkajs's typings
    // declare this error's constructor without the message its code takes.)
    const SaslError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
    expect(isBrokerUnreachable(new SaslError('SASL SCRAM SHA512 authentication failed: Not connected'))).toBe(true);
    expect(isBrokerUnreachable(new SaslError('SASL SCRAM SHA512 authentication failed'))).toBe(false);
  });
});
