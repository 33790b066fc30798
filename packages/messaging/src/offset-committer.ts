import type { Consumer, TopicPartitionOffsetAndMetadata } from 'kafkajs';
import type { Logger } from 'pino';

/**
 * How often a consumer that commits on its own commits what it has handled. kafkajs's auto-commit
 * sends an OffsetCommit after every batch, and under load a batch is one or two messages: each is
 * a write to the broker's `__consumer_offsets` log (bench/RESULTS.md, the broker's profile).
 */
export const COMMIT_INTERVAL_MS = 1_000;

/**
 * Commits a consumer's handled offsets every `intervalMs` and when it stops, instead of after every
 * batch. Run the consumer with `autoCommit: false` and each message through `handle`; `start` once
 * it runs, `drain` before it disconnects. A crash or a rebalance hands the last interval's messages to the
 * next reader again (at least once, as before): the consumers that use it take a message twice as
 * the same thing (an Update id, a task id).
 */
export class OffsetCommitter {
  private readonly handledUpTo = new Map<string, TopicPartitionOffsetAndMetadata>();
  private timer: NodeJS.Timeout | undefined;
  private committing: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly topicsRead = new Set<string>();

  constructor(
    private readonly consumer: Pick<Consumer, 'commitOffsets' | 'pause' | 'on' | 'events'>,
    private readonly log: Logger,
    private readonly intervalMs = COMMIT_INTERVAL_MS,
  ) {}

  /** Handles the message at `offset`; once handled, the partition's next read starts after it. */
  async handle<T>(topic: string, partition: number, offset: string, work: () => Promise<T>): Promise<T> {
    this.topicsRead.add(topic);
    const running = work();
    this.inFlight.add(running);
    try {
      const done = await running;
      this.handledUpTo.set(keyOf(topic, partition), { topic, partition, offset: (BigInt(offset) + 1n).toString() });
      return done;
    } finally {
      this.inFlight.delete(running);
    }
  }

  /**
   * Commits on the interval, and as the consumer's group starts to rebalance (a member joins or
   * leaves), so that the partitions it hands over carry what it handled (kafkajs's auto-commit did
   * the same). A commit that loses the race to the new generation is refused and logged.
   */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.commit(), this.intervalMs);
    this.timer.unref();
    this.consumer.on(this.consumer.events.REBALANCING, () => void this.commit());
  }

  /**
   * Before the consumer disconnects (kafkajs leaves the group first, and a commit needs the group):
   * reading the topics read so far pauses, the messages in hand finish, and what is handled is
   * committed.
   */
  async drain(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    try {
      if (this.topicsRead.size > 0) this.consumer.pause([...this.topicsRead].map((topic) => ({ topic })));
    } catch (err) {
      // A consumer that is no longer running reads nothing more: commit what it handled.
      this.log.debug({ err }, 'could not pause the consumer before its last commit');
    }
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.commit();
  }

  /** One commit at a time, of the latest handled offset of each partition. */
  commit(): Promise<void> {
    this.committing = this.committing.then(async () => {
      if (this.handledUpTo.size === 0) return;
      const offsets = [...this.handledUpTo.values()];
      this.handledUpTo.clear();
      try {
        await this.consumer.commitOffsets(offsets);
      } catch (err) {
        // A rebalance or a broker going away: asked again at the next commit, unless the partition
        // has moved on since; a reader that takes over first reads these messages again.
        for (const o of offsets) {
          const key = keyOf(o.topic, o.partition);
          if (!this.handledUpTo.has(key)) this.handledUpTo.set(key, o);
        }
        this.log.warn({ err, partitions: offsets.length }, 'handled offsets not committed yet');
      }
    });
    return this.committing;
  }
}

const keyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`;
