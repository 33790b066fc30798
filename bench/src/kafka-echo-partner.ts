import { randomUUID } from 'node:crypto';

import { withKafkaAdmin } from '@govmesh/messaging';

import type { BenchPlatform } from './bench-platform.js';

/** How the bench's kafkajs client makes a producer. */
type ProducerConfig = Parameters<BenchPlatform['kafka']['producer']>[0];

/** Long enough for a new consumer group to have joined and been given its partitions. */
export const settle = () => new Promise((r) => setTimeout(r, 3_000));

/** A request topic and a reply topic of this run (six partitions each, as a partner's task topic). */
export async function echoTopics(p: Pick<BenchPlatform, 'kafka' | 'run'>, name: string): Promise<[string, string]> {
  const topics: [string, string] = [`bench.ping.${p.run}.${name}`, `bench.pong.${p.run}.${name}`];
  await withKafkaAdmin(p.kafka, 'create the echo topics', (admin) =>
    admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 6 })), waitForLeaders: true }),
  );
  return topics;
}

/**
 * A partner over Kafka as plain kafkajs has it: a request topic, a consumer that echoes each
 * request on a reply topic, answers matched to requests by key; same acks and partitions as a task.
 * `fetchWaitMs` is the consumers' fetch wait (kafkajs's own default when not given); `producer`
 * configures the producer (idempotent unless told otherwise); `autoCommit: false` commits no offsets.
 */
export async function kafkaEchoPartner(
  p: Pick<BenchPlatform, 'kafka' | 'run'>,
  name: string,
  fetchWaitMs?: number,
  options: { producer?: ProducerConfig; autoCommit?: boolean } = {},
) {
  const [ping, pong] = await echoTopics(p, name);
  const wait = fetchWaitMs !== undefined ? { maxWaitTimeInMs: fetchWaitMs } : {};
  const commits = options.autoCommit === false ? { autoCommit: false } : {};
  const producer = p.kafka.producer(options.producer ?? { idempotent: true });
  await producer.connect();
  const echo = p.kafka.consumer({ groupId: `bench-echo-${p.run}-${name}`, ...wait });
  await echo.connect();
  await echo.subscribe({ topics: [ping], fromBeginning: false });
  await echo.run({
    ...commits,
    eachMessage: async ({ message }) =>
      void (await producer.send({ topic: pong, acks: -1, messages: [{ key: message.key, value: message.value }] })),
  });
  const waitingFor = new Map<string, () => void>();
  const replies = p.kafka.consumer({ groupId: `bench-replies-${p.run}-${name}`, ...wait });
  await replies.connect();
  await replies.subscribe({ topics: [pong], fromBeginning: false });
  await replies.run({
    ...commits,
    eachMessage: ({ message }) => (waitingFor.get(message.key!.toString())?.(), Promise.resolve()),
  });
  await settle();
  return {
    /** Sends `value` and resolves when the partner's echo of it arrives. */
    async roundTrip(value: Buffer): Promise<void> {
      const key = randomUUID();
      const answered = new Promise<void>((resolve) => waitingFor.set(key, resolve));
      await producer.send({ topic: ping, acks: -1, messages: [{ key, value }] });
      await answered;
      waitingFor.delete(key);
    },
    stop: async (): Promise<void> =>
      void (await Promise.all([echo.disconnect(), replies.disconnect(), producer.disconnect()])),
  };
}
