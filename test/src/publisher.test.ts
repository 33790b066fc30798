import { randomUUID } from 'node:crypto';

import { CloudEventPublisher } from '@govmesh/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { kafkaClient } from './engines.js';

/** The events a consumer reads from `topic` until it has `count`, as (key, id) pairs in offset order. */
async function readAll(topic: string, count: number): Promise<Array<{ key: string; id: string }>> {
  const consumer = kafkaClient(`govmesh-e2e-publisher-reader`).consumer({ groupId: `govmesh-e2e-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const seen: Array<{ key: string; id: string }> = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: ({ message }) => {
        const event = JSON.parse(message.value!.toString('utf8')) as { id: string };
        seen.push({ key: message.key!.toString('utf8'), id: event.id });
        if (seen.length >= count) resolve();
        return Promise.resolve();
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

describe('the CloudEvent publisher, on the SASL broker', () => {
  const kafka = kafkaClient('govmesh-e2e-publisher');
  const admin = kafka.admin();
  const topic = `govmesh.e2e.publisher.${randomUUID()}`;
  let publisher: CloudEventPublisher;

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    publisher = new CloudEventPublisher(kafka);
  });
  afterAll(async () => {
    await publisher.close();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('delivers every event of many callers publishing at once, each caller’s in the order it gave them', async () => {
    const callers = 24;
    const perCaller = 5;
    const event = (caller: number, n: number) => ({
      topic,
      key: `case-${caller}`,
      event: { id: `case-${caller}/${n}`, type: 'gov.govmesh.test.v1', source: '/govmesh/e2e', data: { n } },
    });
    // Each caller publishes its events in two sends, the second as soon as the first is acknowledged.
    await Promise.all(
      Array.from({ length: callers }, async (_, caller) => {
        await publisher.publishAll([0, 1].map((n) => event(caller, n)));
        await publisher.publishAll([2, 3, 4].map((n) => event(caller, n)));
      }),
    );
    const seen = await readAll(topic, callers * perCaller);
    expect(seen).toHaveLength(callers * perCaller);
    for (let caller = 0; caller < callers; caller += 1)
      expect(seen.filter((e) => e.key === `case-${caller}`).map((e) => e.id)).toEqual(
        [0, 1, 2, 3, 4].map((n) => `case-${caller}/${n}`),
      );
  });

  it('keeps a caller whose topic does not exist from holding up the others that shared its request', async () => {
    // kafkajs waits for a missing topic for as long as the caller lets it (an activity's timeout
    // bounds it); the callers sent in the same request must not wait with it.
    const missing = `govmesh.e2e.publisher.missing.${randomUUID()}`;
    const ev = (id: string) => ({ id, type: 'gov.govmesh.test.v1', source: '/govmesh/e2e', data: {} });
    const a = publisher.publish(topic, 'case-a', ev('a'));
    const b = publisher.publish(missing, 'case-b', ev('b'));
    const c = publisher.publish(topic, 'case-c', ev('c'));
    let bSettled = false;
    b.then(
      () => (bSettled = true),
      () => (bSettled = true),
    );
    await Promise.all([a, c]);
    expect(bSettled).toBe(false);
    const seen = await readAll(topic, 24 * 5 + 2);
    expect(seen.slice(24 * 5).map((e) => e.id)).toEqual(['a', 'c']);
    // And the publisher goes on serving: the next send is not queued behind the missing topic.
    await publisher.publish(topic, 'case-d', ev('d'));
    expect((await readAll(topic, 24 * 5 + 3)).at(-1)?.id).toBe('d');
  }, 60_000);
});
