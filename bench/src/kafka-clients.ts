// What a partner hop costs with each Kafka client (`npx tsx src/kafka-clients.ts [in-flight] [round trips] [rounds]`):
// the same echo ping-pong (a request topic, a partner consuming it and producing each request again on
// a reply topic, the requester consuming the replies; six partitions a topic, acks from all replicas,
// offsets not committed, messages about a task's size) with kafkajs's idempotent producer (one
// request in flight, as govmesh's publisher runs it), kafkajs's plain producer, and @platformatic/kafka's
// plain producer (its idempotent one refuses concurrent sends to a partition: "out of order sequence
// number"), on the same SASL/SCRAM broker, rounds interleaved. Prints round trips per second and the
// CPU per round trip of this process and of the broker.
import { randomUUID } from 'node:crypto';

import { Consumer, Producer, type MessageToProduce } from '@platformatic/kafka';
import { platformCredentials } from '@govmesh/infra';

import { startBenchPlatform, type BenchPlatform } from './bench-platform.js';
import { echoTopics, kafkaEchoPartner, settle } from './kafka-echo-partner.js';
import { closedLoop, median, say } from './stats.js';

const inFlight = Number(process.argv[2] ?? 32);
const total = Number(process.argv[3] ?? 2_000);
const rounds = Number(process.argv[4] ?? 3);
/** How long a fetch that finds nothing waits, for both clients (govmesh's consumers use 500 ms). */
const FETCH_WAIT_MS = 500;

interface Echo {
  roundTrip(value: Buffer): Promise<void>;
  stop(): Promise<void>;
}

/** The plain kafkajs partner of the Kafka floor, committing no offsets, with the given producer. */
function kafkajsEcho(p: BenchPlatform, idempotent: boolean): Promise<Echo> {
  const producer = idempotent ? { idempotent, maxInFlightRequests: 1 } : { idempotent };
  return kafkaEchoPartner(p, `kafkajs-${randomUUID().slice(0, 4)}`, FETCH_WAIT_MS, { producer, autoCommit: false });
}

async function platformaticEcho(p: BenchPlatform): Promise<Echo> {
  const [ping, pong] = await echoTopics(p, `platformatic-${randomUUID().slice(0, 4)}`);
  const admin = platformCredentials(p.infraConfig, 'admin');
  const connection = {
    bootstrapBrokers: [p.infra.kafka.address],
    sasl: { mechanism: 'SCRAM-SHA-512' as const, username: admin.username, password: admin.password },
  };
  const producer = new Producer({ clientId: `bench-${p.run}`, ...connection, idempotent: false, acks: -1 });
  const consume = { autocommit: false, maxWaitTime: FETCH_WAIT_MS, mode: 'latest' as const };
  const echo = new Consumer({ clientId: `bench-${p.run}`, groupId: `bench-echo-${ping}`, ...connection });
  const echoStream = await echo.consume({ topics: [ping], ...consume });
  echoStream.on('data', (message) => {
    const reply: MessageToProduce<Buffer, Buffer, Buffer, Buffer> = {
      topic: pong,
      key: message.key,
      value: message.value,
    };
    producer.send({ messages: [reply] }).catch((err: unknown) => say(`[kafka-clients] echo failed: ${String(err)}`));
  });
  const waitingFor = new Map<string, () => void>();
  const replies = new Consumer({ clientId: `bench-${p.run}`, groupId: `bench-replies-${pong}`, ...connection });
  const replyStream = await replies.consume({ topics: [pong], ...consume });
  replyStream.on('data', (message) => waitingFor.get(message.key.toString())?.());
  await settle();
  return {
    async roundTrip(value) {
      const key = randomUUID();
      const answered = new Promise<void>((resolve) => waitingFor.set(key, resolve));
      await producer.send({ messages: [{ topic: ping, key: Buffer.from(key), value }] });
      await answered;
      waitingFor.delete(key);
    },
    async stop() {
      await Promise.all([echoStream.close(), replyStream.close()]);
      await Promise.all([echo.close(), replies.close(), producer.close()]);
    },
  };
}

const p = await startBenchPlatform();
try {
  const payload = Buffer.alloc(600, 'x'); // about the size of a task.assigned message
  const clients: Record<string, Echo> = {
    'kafkajs, idempotent': await kafkajsEcho(p, true),
    kafkajs: await kafkajsEcho(p, false),
    platformatic: await platformaticEcho(p),
  };
  const runs: Record<string, Array<{ perSecond: number; cpuMs: number; brokerMs: number }>> = {};
  for (const echo of Object.values(clients)) await echo.roundTrip(payload); // both connected and assigned
  for (let round = 0; round < rounds; round += 1)
    for (const [name, echo] of Object.entries(clients)) {
      const run = await closedLoop(
        async () => (await echo.roundTrip(payload), 0),
        inFlight,
        total,
        p.enginePids.kafka ? { kafka: p.enginePids.kafka } : {},
      );
      const figures = {
        perSecond: run.perSecond,
        cpuMs: run.cpuMsPerRun,
        brokerMs: run.engineCpuMsPerRun.kafka ?? NaN,
      };
      (runs[name] ??= []).push(figures);
      say(`[kafka-clients] ${name} round ${round + 1}: ${JSON.stringify(figures)}`);
    }
  for (const [name, r] of Object.entries(runs))
    process.stdout.write(
      `${JSON.stringify({
        client: name,
        inFlight,
        roundTripsPerSecond: +median(r.map((x) => x.perSecond)).toFixed(1),
        processCpuMsPerRoundTrip: +median(r.map((x) => x.cpuMs)).toFixed(3),
        brokerCpuMsPerRoundTrip: +median(r.map((x) => x.brokerMs)).toFixed(3),
      })}\n`,
    );
  await Promise.all(Object.values(clients).map((c) => c.stop()));
} finally {
  await p.stop();
}
process.exit(0);
