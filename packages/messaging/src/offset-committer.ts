import type { Consumer, TopicPartitionOffsetAndMetadata } from 'kafkajs';
import type { Logger } from 'pino';

/**
 * How often a consumer that commits on its own commits what it has handled. kafkajs's auto-commit
 * sends an OffsetCommit after every batch, and under load a batch is one or two messages: each is
 * a write to the broker's `__consumer_offsets` log (bench/RESULTS.md, the broker's profile).
 */
export const COMMIT_INTERVAL_MS = 1_000;

/** How many messages `admit` keeps in hand at once, over all partitions, unless told otherwise. */
export const MAX_IN_HAND = 64;

/** How often a reader waiting for room among the messages in hand tells the group it is alive. */
const HEARTBEAT_WHILE_WAITING_MS = 2_000;

/** Where one partition's reading stands in this generation of the group. */
interface PartitionProgress {
  readonly topic: string;
  readonly partition: number;
  /** Offsets read and not handled yet: in hand, or failed and to be read again. */
  readonly inHand: Set<bigint>;
  /** One past the highest offset handled. */
  next: bigint | undefined;
  /** What the broker has from us, so an unchanged partition is not committed again. */
  committed: bigint | undefined;
}

/** What a message in hand belongs to: the group generation it was read in. */
interface Generation {
  readonly partitions: Map<string, PartitionProgress>;
  /** Aborts when the group takes the partitions back (a rebalance) or the reader stops. */
  readonly ended: AbortController;
}

/**
 * Commits a consumer's handled offsets every `intervalMs` and when it stops, instead of after every
 * batch. Run the consumer with `autoCommit: false` and each message through `handle` (one at a
 * time) or `admit` (side by side); `start` once it runs, `drain` before it disconnects. What is
 * committed for a partition is where reading must start again: the lowest offset still in hand
 * (or whose handling failed), else one past the last handled. A crash or a rebalance hands the
 * messages since to the next reader again (at least once, as before): the consumers that use it
 * take a message twice as the same thing (an Update id, a task id).
 */
export class OffsetCommitter {
  private generation: Generation = newGeneration();
  private timer: NodeJS.Timeout | undefined;
  private committing: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly topicsRead = new Set<string>();
  /** The last message admitted for each key, so one key's messages are handled in order. */
  private readonly lastOfKey = new Map<string, Promise<unknown>>();
  private readonly waitingForRoom: Array<() => void> = [];
  private admitted = 0;

  constructor(
    private readonly consumer: Pick<Consumer, 'commitOffsets' | 'pause' | 'on' | 'events'>,
    private readonly log: Logger,
    private readonly intervalMs = COMMIT_INTERVAL_MS,
    private readonly maxInHand = MAX_IN_HAND,
  ) {}

  /** Handles the message at `offset`; once handled, the partition's next read starts after it. */
  async handle<T>(topic: string, partition: number, offset: string, work: () => Promise<T>): Promise<T> {
    const { progress, at } = this.read(topic, partition, offset);
    const running = work();
    this.inFlight.add(running);
    try {
      const done = await running;
      handled(progress, at);
      return done;
    } finally {
      this.inFlight.delete(running);
    }
  }

  /**
   * Starts handling the message at `offset` beside the messages in hand, after the earlier
   * messages with the same `key` (a case's results stay in order), and returns once it is in hand:
   * at most `maxInHand` are, and a reader waiting for room calls `heartbeat` so that the group
   * keeps it. `work` gets a signal that aborts when the partition is no longer this reader's (a
   * rebalance) or the reader stops: work that retries should give up then, and its message is
   * read again by whoever reads the partition next. Work that fails keeps the partition's
   * committed offset at its message.
   */
  async admit(
    topic: string,
    partition: number,
    offset: string,
    key: string | undefined,
    work: (signal: AbortSignal) => Promise<void>,
    heartbeat: () => Promise<void> = () => Promise.resolve(),
  ): Promise<void> {
    await this.roomInHand(heartbeat);
    const generation = this.generation;
    const { progress, at } = this.read(topic, partition, offset);
    const chainKey = key === undefined ? undefined : `${topic}\u0000${key}`;
    const before = chainKey === undefined ? undefined : this.lastOfKey.get(chainKey);
    this.admitted += 1;
    const running = (async () => {
      if (before) await before.catch(() => undefined);
      if (generation.ended.signal.aborted) return;
      await work(generation.ended.signal);
      handled(progress, at);
    })()
      .catch((err: unknown) => {
        // Left in hand: the committed offset stays at this message until the partition is read again.
        if (!generation.ended.signal.aborted)
          this.log.error({ err, topic, partition, offset }, 'a message could not be handled');
      })
      .finally(() => {
        this.admitted -= 1;
        this.inFlight.delete(running);
        if (chainKey !== undefined && this.lastOfKey.get(chainKey) === running) this.lastOfKey.delete(chainKey);
        this.waitingForRoom.shift()?.();
      });
    this.inFlight.add(running);
    if (chainKey !== undefined) this.lastOfKey.set(chainKey, running);
  }

  /**
   * Commits on the interval, and as the consumer's group starts to rebalance (a member joins or
   * leaves), so that the partitions it hands over carry what it handled (kafkajs's auto-commit did
   * the same). A commit that loses the race to the new generation is refused and logged. Once the
   * group has a new generation, kafkajs reads every partition again from its committed offset:
   * what was in hand before belongs to the old one and is forgotten (its work told to stop).
   */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.commit(), this.intervalMs);
    this.timer.unref();
    this.consumer.on(this.consumer.events.REBALANCING, () => void this.commit());
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => this.newGeneration());
  }

  /**
   * Before the consumer disconnects (kafkajs leaves the group first, and a commit needs the group):
   * reading the topics read so far pauses, work that retries is told to stop, the messages in hand
   * finish, and what is handled is committed.
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
    this.generation.ended.abort(new Error('the reader is stopping'));
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.commit();
  }

  /**
   * One commit at a time, of where each partition's reading must start again. It commits the
   * generation current when it is asked for: one asked for as the group starts to rebalance still
   * commits what the old generation handled if the new one has begun by the time it runs.
   */
  commit(): Promise<void> {
    const generation = this.generation;
    this.committing = this.committing.then(async () => {
      const due: Array<{ progress: PartitionProgress; offset: bigint }> = [];
      for (const progress of generation.partitions.values()) {
        const offset = restartAt(progress);
        if (offset !== undefined && offset !== progress.committed) due.push({ progress, offset });
      }
      if (due.length === 0) return;
      const offsets: TopicPartitionOffsetAndMetadata[] = due.map(({ progress, offset }) => ({
        topic: progress.topic,
        partition: progress.partition,
        offset: offset.toString(),
      }));
      try {
        await this.consumer.commitOffsets(offsets);
        for (const { progress, offset } of due) progress.committed = offset;
      } catch (err) {
        // A rebalance or a broker going away: asked again at the next commit (from wherever the
        // partition is by then); a reader that takes over first reads these messages again.
        this.log.warn({ err, partitions: offsets.length }, 'handled offsets not committed yet');
      }
    });
    return this.committing;
  }

  private read(topic: string, partition: number, offset: string) {
    this.topicsRead.add(topic);
    const key = `${topic}\u0000${partition}`;
    let progress = this.generation.partitions.get(key);
    if (!progress) {
      progress = { topic, partition, inHand: new Set(), next: undefined, committed: undefined };
      this.generation.partitions.set(key, progress);
    }
    const at = BigInt(offset);
    progress.inHand.add(at);
    return { progress, at };
  }

  private newGeneration(): void {
    this.generation.ended.abort(new Error('the group rebalanced: the partition is read again'));
    this.generation = newGeneration();
  }

  private async roomInHand(heartbeat: () => Promise<void>): Promise<void> {
    if (this.admitted < this.maxInHand) return;
    const beating = setInterval(() => void heartbeat().catch(() => undefined), HEARTBEAT_WHILE_WAITING_MS);
    try {
      while (this.admitted >= this.maxInHand) await new Promise<void>((room) => this.waitingForRoom.push(room));
    } finally {
      clearInterval(beating);
    }
  }
}

function newGeneration(): Generation {
  return { partitions: new Map(), ended: new AbortController() };
}

function handled(progress: PartitionProgress, at: bigint): void {
  progress.inHand.delete(at);
  if (progress.next === undefined || at + 1n > progress.next) progress.next = at + 1n;
}

/** The lowest offset in hand, else one past the last handled. */
function restartAt(progress: PartitionProgress): bigint | undefined {
  let lowest: bigint | undefined;
  for (const at of progress.inHand) if (lowest === undefined || at < lowest) lowest = at;
  return lowest ?? progress.next;
}
