import { RESULT_TOPIC_PATTERN, partnerOfResultTopic, resultTopic } from '@govmesh/contracts/topics';
import {
  FETCH_WAIT_MS,
  MAX_IN_HAND,
  OffsetCommitter,
  withKafkaAdmin,
  type CloudEventPublisher,
} from '@govmesh/messaging';
import { CaseClient } from '@govmesh/case-client';
import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

import type { BridgeMetrics } from './bridge-metrics.js';
import { handleResultMessage, type ResultMessage, type ResultOutcome } from './result-handling.js';

/**
 * Partitions kafkajs reads at once. Reading only admits a result (the hand-over runs beside it),
 * so this is not what bounds the work: `concurrency` is.
 */
const PARTITIONS_READ_AT_ONCE = 8;

/** 0.25 s, doubling, at most 10 s between attempts to reach a case. */
const retryDelayMs = (attempt: number) => Math.min(10_000, 250 * 2 ** Math.min(attempt - 1, 6));

export interface ResultBridgeDeps {
  readonly kafka: Kafka;
  readonly client: Client;
  readonly publisher: CloudEventPublisher;
  readonly logger: Logger;
  readonly groupId?: string;
  /** Which result topics to read; every partner's by default. */
  readonly topicPattern?: RegExp;
  /** Or exactly these partners' result topics, asked again on every refresh (the partner registry). */
  readonly partners?: () => readonly string[];
  /** Called if the consumer stops for good; the process should then exit so it is restarted. */
  readonly onFatal?: (error: Error) => void;
  /** Results handed over at once (each case's still in order); 64 by default. */
  readonly concurrency?: number;
  readonly metrics?: BridgeMetrics;
  /** How long a case may take to take a result before it counts as unreachable and is tried again; 30 s by default. */
  readonly caseTimeoutMs?: number;
  /** How often handled offsets are committed (and always when the bridge stops); 1 s by default. */
  readonly commitIntervalMs?: number;
}

export interface ResultBridge {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Subscribes again, to take in the result topics of partners onboarded since the start. */
  refresh(): Promise<void>;
}

/**
 * Consumes every partner's result topic and hands results to their cases side by side. A
 * partition's offset is committed only up to its first result still in hand, that is after the
 * case accepted every result before it or their rejections were published, once a second and when
 * the bridge stops; a crash re-reads the messages since and the update id keeps each from being
 * applied twice.
 */
export function createResultBridge(deps: ResultBridgeDeps): ResultBridge {
  const log = deps.logger.child({ component: 'result-bridge' });
  const cases = new CaseClient(deps.client, deps.caseTimeoutMs ? { timeoutMs: deps.caseTimeoutMs } : {});
  // A short session lets a restarted bridge take over a crashed one's partitions within seconds;
  // hand-overs run beside the reading, so a slow one (a case whose worker is restarting) does not
  // keep the reader from its heartbeats.
  const makeConsumer = () => {
    const consumer = deps.kafka.consumer({
      groupId: deps.groupId ?? 'govmesh-bridge',
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: FETCH_WAIT_MS,
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      log.fatal({ err: payload.error }, 'the result consumer stopped');
      deps.onFatal?.(payload.error);
    });
    return consumer;
  };
  let consumer = makeConsumer();
  const newCommitter = () => new OffsetCommitter(consumer, log, deps.commitIntervalMs, deps.concurrency ?? MAX_IN_HAND);
  let committer = newCommitter();

  /**
   * The result topics that exist: a partner on the registry whose topics an operator deleted has
   * nothing to read, and must not stop the bridge from serving every other partner (kafkajs refuses
   * a subscription that names a missing topic). Onboarding it again makes its topics and a refresh.
   */
  async function existingTopics(wanted: readonly string[]): Promise<string[]> {
    if (wanted.length === 0) return [];
    const listed = await withKafkaAdmin(deps.kafka, 'list result topics', (admin) => admin.listTopics(), {
      logger: log,
    });
    const present = new Set(listed);
    const missing = wanted.filter((t) => !present.has(t));
    if (missing.length)
      log.warn(
        { topics: missing.slice(0, 20), missing: missing.length },
        'partners on the registry without a result topic: not read until they are onboarded again',
      );
    return wanted.filter((t) => present.has(t));
  }

  let running = false;
  async function run(): Promise<void> {
    const topics = deps.partners
      ? await existingTopics(deps.partners().map(resultTopic))
      : [deps.topicPattern ?? RESULT_TOPIC_PATTERN];
    if (topics.length === 0) return; // no partner yet: a refresh starts reading when one is onboarded
    running = true;
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    committer.start();
    await consumer.run({
      // Handled offsets are committed once a second, not after every batch (OffsetCommitter): a
      // result read again after a crash is the same Update id, and the case answers it as before.
      autoCommit: false,
      // An Update returns only once the case's next workflow task is done (its next dispatch
      // included), so results are handed over side by side, each case's in order (the message
      // key). Before, they went one at a time per partition, and every case on it waited in line.
      partitionsConsumedConcurrently: PARTITIONS_READ_AT_ONCE,
      eachMessage: async (payload) => {
        const { topic, partition, message } = payload;
        const partnerId = partnerOfResultTopic(topic);
        if (!partnerId) return;
        const result = { partnerId, topic, partition, offset: message.offset, value: message.value };
        await committer.admit(
          topic,
          partition,
          message.offset,
          message.key?.toString('utf8'),
          (signal) => handOver(result, signal),
          () => payload.heartbeat(),
        );
      },
    });
  }

  /**
   * Hands one result to its case, trying again while the case cannot be reached (its worker or
   * Temporal is down) until it can, or until the partition is no longer this bridge's: nothing is
   * lost, and only this case's later results wait behind it.
   */
  async function handOver(result: ResultMessage, signal: AbortSignal): Promise<void> {
    const timer = deps.metrics?.handover.startTimer();
    deps.metrics?.handingOver.inc();
    try {
      const outcome = await untilTaken(result, signal);
      if (outcome.accepted) log.info({ partnerId: result.partnerId, caseId: outcome.caseId }, 'result accepted');
      else log.warn({ partnerId: result.partnerId, code: outcome.code, reasons: outcome.reasons }, 'result rejected');
      const labels = outcome.accepted ? { outcome: 'accepted' } : { outcome: 'rejected' };
      deps.metrics?.results.inc({ ...labels, code: outcome.accepted ? '' : outcome.code });
      timer?.(labels);
    } finally {
      deps.metrics?.handingOver.dec();
    }
  }

  async function untilTaken(result: ResultMessage, signal: AbortSignal): Promise<ResultOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await handleResultMessage(result, { cases, publisher: deps.publisher }, signal);
      } catch (err) {
        if (signal.aborted) throw err;
        const retryInMs = retryDelayMs(attempt);
        // The whole error once; after that its message, so a worker down for minutes is a line per try.
        const why = attempt === 1 ? { err } : { reason: err instanceof Error ? err.message : String(err) };
        log.warn(
          {
            ...why,
            partnerId: result.partnerId,
            partition: result.partition,
            offset: result.offset,
            attempt,
            retryInMs,
          },
          'result not handed over yet: its case could not be reached',
        );
        deps.metrics?.retries.inc();
        await sleep(retryInMs, undefined, { signal });
      }
    }
  }

  let refreshing: Promise<void> = Promise.resolve();
  return {
    start: run,
    async stop() {
      await refreshing;
      await committer.drain();
      if (running) await consumer.disconnect();
    },
    refresh() {
      // kafkajs resolves a subscription once: a new partner's topic needs a new one.
      refreshing = refreshing.then(async () => {
        await committer.drain();
        if (running) await consumer.disconnect();
        running = false;
        consumer = makeConsumer();
        committer = newCommitter();
        await run();
        log.info('result topics re-read after a partner was onboarded');
      });
      return refreshing;
    },
  };
}
