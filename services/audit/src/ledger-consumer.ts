import { DEAD_LETTER, type DeadLetterData } from '@govmesh/contracts/dead-letter';
import { DomainEvent, allowedSourceOf } from '@govmesh/contracts/domain-events';
import { DEAD_LETTER_TOPIC, EVENTS_TOPIC } from '@govmesh/contracts/topics';
import { FETCH_WAIT_MS, type CloudEventPublisher } from '@govmesh/messaging';
import { SpanKind, contextFromAttributes, startSpan, type Span } from '@govmesh/telemetry';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';

import type { CheckpointSigner } from './checkpoint-signing.js';
import { ledgerEntryOf, type LedgerEntry, type LedgerRecord } from './ledger-record.js';
import type { LedgerStore } from './ledger-store.js';

export interface LedgerConsumerDeps {
  readonly kafka: Kafka;
  readonly store: LedgerStore;
  readonly publisher: CloudEventPublisher;
  readonly logger: Logger;
  readonly signer: CheckpointSigner;
  readonly groupId?: string;
  /** A checkpoint is signed once this many records were appended since the last one… */
  readonly checkpointEvery?: number;
  /** …or this long after the first unsigned record, whichever comes first. */
  readonly checkpointIntervalMs?: number;
  /** Called after a batch is in the ledger and before its offsets are committed (fault injection in tests). */
  readonly afterAppend?: (appended: number) => void;
  /** Told the records each batch appended (the case metrics count them); never holds up the ledger. */
  readonly onAppended?: (records: readonly LedgerRecord[]) => Promise<void>;
  readonly onFatal?: (error: Error) => void;
  readonly now?: () => Date;
}

export interface LedgerConsumer {
  start(): Promise<void>;
  /** Signs the head, then leaves the group. */
  stop(): Promise<void>;
  /** Records appended and duplicates ignored since start. */
  stats(): LedgerConsumerStats;
}

export interface LedgerConsumerStats {
  readonly appended: number;
  readonly duplicates: number;
  readonly deadLettered: number;
  /** Messages on govmesh.events not yet in the ledger, as of the last batch read (per partition, summed). */
  readonly lag: number;
  /** When the last checkpoint was signed (ms since the epoch), or undefined before the first. */
  readonly lastCheckpointAt: number | undefined;
  /** Records appended since that checkpoint. */
  readonly unsigned: number;
}

const SOURCE = '/govmesh/audit';
/** Events behind the topic's end past which the ledger is catching up, and traces no event. */
const CATCH_UP_LAG = 1_000;

/**
 * Appends every domain event to the ledger. A batch's offsets are committed only after its ledger
 * transaction, so a crash between the two replays the batch, and the event ids keep it from being
 * stored twice. A message that is not a domain event, or one from a source not allowed to emit
 * its type, goes to the dead-letter topic with the reason.
 */
export function createLedgerConsumer(deps: LedgerConsumerDeps): LedgerConsumer {
  const log = deps.logger.child({ component: 'ledger-consumer' });
  const now = deps.now ?? (() => new Date());
  const every = deps.checkpointEvery ?? 1_000;
  const counts = { appended: 0, duplicates: 0, deadLettered: 0 };
  let unsignedSince: number | undefined;
  let unsigned = 0;
  let lastCheckpointAt: number | undefined;
  const lagByPartition = new Map<number, number>();
  const consumer = deps.kafka.consumer({
    groupId: deps.groupId ?? 'govmesh-audit',
    allowAutoTopicCreation: false,
    sessionTimeout: 15_000,
    maxWaitTimeInMs: FETCH_WAIT_MS,
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    log.fatal({ err: payload.error }, 'the ledger consumer stopped');
    deps.onFatal?.(payload.error);
  });
  const timer = setInterval(
    () => void signIfDue(true).catch((err: unknown) => log.error({ err }, 'could not sign a checkpoint')),
    Math.min(deps.checkpointIntervalMs ?? 10_000, 10_000),
  );
  timer.unref();

  async function signIfDue(byTime: boolean): Promise<void> {
    if (unsigned === 0) return;
    const due =
      unsigned >= every ||
      (byTime &&
        unsignedSince !== undefined &&
        now().getTime() - unsignedSince >= (deps.checkpointIntervalMs ?? 10_000));
    if (!due) return;
    await signHead();
  }

  async function signHead(): Promise<void> {
    const head = await deps.store.head();
    if (head.seq === 0) return;
    await deps.store.addCheckpoint(deps.signer.sign(head.seq, head.hash, now()));
    log.info({ seq: head.seq }, 'checkpoint signed');
    unsigned = 0;
    unsignedSince = undefined;
    lastCheckpointAt = now().getTime();
  }

  async function deadLetter(topic: string, partition: number, message: KafkaMessage, reasons: string[]): Promise<void> {
    const data: DeadLetterData = {
      topic,
      partition,
      offset: message.offset,
      receivedAt: now().toISOString(),
      reasons,
      valueBase64: (message.value ?? Buffer.alloc(0)).toString('base64'),
    };
    await deps.publisher.publish(DEAD_LETTER_TOPIC, topic, {
      id: `${topic}/${partition}/${message.offset}/dead-letter`,
      type: DEAD_LETTER,
      source: SOURCE,
      subject: topic,
      data,
    });
    counts.deadLettered += 1;
    log.warn(
      { topic, partition, offset: message.offset, reasons },
      'not for the ledger: sent to the dead-letter topic',
    );
  }

  return {
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topics: [EVENTS_TOPIC], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => {
          const { batch } = payload;
          if (!payload.isRunning() || payload.isStale() || batch.messages.length === 0) return;
          const entries: LedgerEntry[] = [];
          // One span per event, in the trace of whoever published it, for the one append of the batch;
          // none while catching up on a backlog (a new ledger replaying the topic): a replay is no
          // one's request, and its spans would crowd the live ones out of the exporter's queue.
          const spans: Span[] = [];
          const live = Number(batch.offsetLag()) < CATCH_UP_LAG;
          for (const message of batch.messages) {
            let json: unknown;
            try {
              json = JSON.parse(message.value?.toString('utf8') ?? '');
            } catch (err) {
              await deadLetter(batch.topic, batch.partition, message, [
                `the message is not JSON: ${(err as Error).message}`,
              ]);
              continue;
            }
            const event = DomainEvent.safeParse(json);
            if (!event.success) {
              const reasons = event.error.issues.map(
                (i) => `${i.path.map(String).join('.') || '(message)'}: ${i.message}`,
              );
              await deadLetter(batch.topic, batch.partition, message, reasons);
              continue;
            }
            // The broker's ACLs already keep anyone but the platform off this topic; within the
            // platform, each kind of event has one author, and the ledger chains only what it said.
            const allowed = allowedSourceOf(event.data.type);
            if (event.data.source !== allowed) {
              await deadLetter(batch.topic, batch.partition, message, [
                `source: ${event.data.source} may not emit ${event.data.type}; only ${allowed ?? 'no component'} does`,
              ]);
              continue;
            }
            entries.push(ledgerEntryOf(event.data));
            if (live)
              spans.push(
                startSpan('audit append', {
                  parent: contextFromAttributes(event.data),
                  kind: SpanKind.CONSUMER,
                  attributes: {
                    'govmesh.event.type': event.data.type,
                    'messaging.message.id': event.data.id,
                    ...(event.data.subject ? { 'govmesh.case.id': event.data.subject } : {}),
                  },
                }),
              );
          }
          let outcome: Awaited<ReturnType<typeof deps.store.append>>;
          try {
            outcome = await deps.store.append(entries);
          } finally {
            spans.forEach((span) => span.end());
          }
          counts.appended += outcome.appended.length;
          counts.duplicates += outcome.duplicates;
          if (outcome.duplicates)
            log.info({ duplicates: outcome.duplicates }, 'replayed events already in the ledger were ignored');
          if (outcome.appended.length) {
            unsigned += outcome.appended.length;
            unsignedSince ??= now().getTime();
          }
          deps.afterAppend?.(outcome.appended.length);
          if (deps.onAppended)
            await deps
              .onAppended(outcome.appended)
              .catch((err: unknown) => log.warn({ err }, 'the case metrics could not count a batch'));
          lagByPartition.set(batch.partition, Number(batch.offsetLag()));
          const last = batch.messages.at(-1)!;
          payload.resolveOffset(last.offset);
          await consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
          ]);
          await payload.heartbeat();
          await signIfDue(false);
        },
      });
    },
    async stop() {
      clearInterval(timer);
      await consumer.disconnect();
      await signHead();
    },
    stats: () => ({
      ...counts,
      lag: [...lagByPartition.values()].reduce((a, b) => a + b, 0),
      lastCheckpointAt,
      unsigned,
    }),
  };
}
