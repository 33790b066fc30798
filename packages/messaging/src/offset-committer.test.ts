import type { Consumer, TopicPartitionOffsetAndMetadata } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import { OffsetCommitter } from './offset-committer.js';

const quiet = pino({ level: 'silent' });

/** The parts of a kafkajs consumer the committer uses, recording what it was asked. */
function recordingConsumer(
  options: { refuse?: () => boolean; pause?: (topics: string[]) => void; answer?: () => Promise<void> } = {},
) {
  const commits: TopicPartitionOffsetAndMetadata[][] = [];
  const listeners = new Map<string, () => void>();
  return {
    commits,
    /** Emits one of the consumer's events, as kafkajs would. */
    emit: (event: string) => listeners.get(event)?.(),
    commitOffsets: (offsets: TopicPartitionOffsetAndMetadata[]) => {
      commits.push(offsets);
      if (options.refuse?.()) return Promise.reject(new Error('The coordinator is loading'));
      return options.answer?.() ?? Promise.resolve();
    },
    pause: (topics: Array<{ topic: string }>) => options.pause?.(topics.map((t) => t.topic)),
    on: ((event: string, listener: () => void) => {
      listeners.set(event, listener);
      return () => listeners.delete(event);
    }) as unknown as Consumer['on'],
    events: { REBALANCING: 'consumer.rebalancing', GROUP_JOIN: 'consumer.group_join' } as Consumer['events'],
  };
}

describe('OffsetCommitter', () => {
  it('commits the next offset of each partition once, for many handled messages', async () => {
    const consumer = recordingConsumer();
    const committer = new OffsetCommitter(consumer, quiet);
    for (const offset of ['7', '8', '9']) await committer.handle('results.a', 0, offset, () => Promise.resolve());
    await committer.handle('results.a', 2, '41', () => Promise.resolve());
    expect(consumer.commits).toEqual([]);
    await committer.commit();
    expect(consumer.commits).toEqual([
      [
        { topic: 'results.a', partition: 0, offset: '10' },
        { topic: 'results.a', partition: 2, offset: '42' },
      ],
    ]);
    // Nothing new handled: no request.
    await committer.commit();
    expect(consumer.commits).toHaveLength(1);
  });

  it('does not count a message whose handling failed as handled', async () => {
    const consumer = recordingConsumer();
    const committer = new OffsetCommitter(consumer, quiet);
    await committer.handle('results.a', 0, '3', () => Promise.resolve());
    await expect(
      committer.handle('results.a', 0, '4', () => Promise.reject(new Error('Temporal unreachable'))),
    ).rejects.toThrow('Temporal unreachable');
    await committer.commit();
    expect(consumer.commits).toEqual([[{ topic: 'results.a', partition: 0, offset: '4' }]]);
  });

  it('commits on its interval', async () => {
    const consumer = recordingConsumer();
    const committer = new OffsetCommitter(consumer, quiet, 20);
    committer.start();
    await committer.handle('tasks.p', 1, '0', () => Promise.resolve());
    await new Promise((r) => setTimeout(r, 80));
    await committer.drain();
    expect(consumer.commits).toEqual([[{ topic: 'tasks.p', partition: 1, offset: '1' }]]);
  });

  it('on drain, stops reading the topics it read, lets the messages in hand finish, then commits them', async () => {
    let finish!: () => void;
    const paused: string[][] = [];
    const consumer = recordingConsumer({
      pause: (topics) => {
        paused.push(topics);
        setTimeout(finish, 20);
      },
    });
    const committer = new OffsetCommitter(consumer, quiet, 60_000);
    const inHand = committer.handle('results.b', 0, '5', () => new Promise<void>((r) => (finish = r)));
    await committer.drain();
    await inHand;
    expect(paused).toEqual([['results.b']]);
    expect(consumer.commits).toEqual([[{ topic: 'results.b', partition: 0, offset: '6' }]]);
  });

  it('a refused commit is logged, not thrown, and asked again next time unless the partition moved on', async () => {
    let refuse = true;
    const consumer = recordingConsumer({ refuse: () => refuse });
    const commits = consumer.commits;
    const committer = new OffsetCommitter(consumer, quiet);
    await committer.handle('results.a', 0, '1', () => Promise.resolve());
    await committer.handle('results.a', 1, '8', () => Promise.resolve());
    await expect(committer.commit()).resolves.toBeUndefined();
    refuse = false;
    await committer.handle('results.a', 1, '9', () => Promise.resolve());
    await committer.commit();
    expect(commits).toEqual([
      [
        { topic: 'results.a', partition: 0, offset: '2' },
        { topic: 'results.a', partition: 1, offset: '9' },
      ],
      [
        { topic: 'results.a', partition: 0, offset: '2' },
        { topic: 'results.a', partition: 1, offset: '10' },
      ],
    ]);
  });

  it('drains a consumer that stopped running: the pause fails, the commit still goes', async () => {
    const consumer = recordingConsumer({
      pause: () => {
        throw new Error('Consumer group was not initialized, consumer#run must be called first');
      },
    });
    const committer = new OffsetCommitter(consumer, quiet);
    await committer.handle('tasks.p', 0, '4', () => Promise.resolve());
    await committer.drain();
    expect(consumer.commits).toEqual([[{ topic: 'tasks.p', partition: 0, offset: '5' }]]);
  });

  describe('side by side (admit)', () => {
    /** Work that finishes when told to, and says when it started. */
    function heldWork() {
      const started: string[] = [];
      const release = new Map<string, () => void>();
      const work = (name: string) => () => {
        started.push(name);
        return new Promise<void>((done) => release.set(name, done));
      };
      const finish = async (name: string) => {
        release.get(name)!();
        await new Promise((r) => setImmediate(r));
      };
      return { started, work, finish };
    }

    it('commits where reading must start again: the lowest offset still in hand', async () => {
      const consumer = recordingConsumer();
      const committer = new OffsetCommitter(consumer, quiet);
      const { work, finish } = heldWork();
      for (const offset of ['10', '11', '12']) await committer.admit('results.a', 0, offset, offset, work(offset));
      await finish('11');
      await finish('12');
      await committer.commit();
      await finish('10');
      await committer.commit();
      expect(consumer.commits).toEqual([
        [{ topic: 'results.a', partition: 0, offset: '10' }],
        [{ topic: 'results.a', partition: 0, offset: '13' }],
      ]);
    });

    it("keeps one key's messages in order and handles other keys beside them", async () => {
      const committer = new OffsetCommitter(recordingConsumer(), quiet);
      const { started, work, finish } = heldWork();
      await committer.admit('results.a', 0, '1', 'case-1', work('case-1 first'));
      await committer.admit('results.a', 0, '2', 'case-1', work('case-1 second'));
      await committer.admit('results.a', 0, '3', 'case-2', work('case-2'));
      await new Promise((r) => setImmediate(r));
      expect(started).toEqual(['case-1 first', 'case-2']);
      await finish('case-1 first');
      expect(started).toEqual(['case-1 first', 'case-2', 'case-1 second']);
    });

    it('holds the reader once as many messages as allowed are in hand', async () => {
      const committer = new OffsetCommitter(recordingConsumer(), quiet, 60_000, 2);
      const { started, work, finish } = heldWork();
      await committer.admit('results.a', 0, '1', 'a', work('a'));
      await committer.admit('results.a', 1, '1', 'b', work('b'));
      let third = false;
      const admitting = committer.admit('results.a', 2, '1', 'c', work('c')).then(() => (third = true));
      await new Promise((r) => setTimeout(r, 20));
      expect(third).toBe(false);
      await finish('b');
      await admitting;
      await new Promise((r) => setImmediate(r));
      expect(started).toEqual(['a', 'b', 'c']);
    });

    it("keeps a failed message's offset as where reading starts again", async () => {
      const consumer = recordingConsumer();
      const committer = new OffsetCommitter(consumer, quiet);
      await committer.admit('results.a', 0, '5', 'x', () => Promise.reject(new Error('Temporal unreachable')));
      await committer.admit('results.a', 0, '6', 'y', () => Promise.resolve());
      await new Promise((r) => setImmediate(r));
      await committer.commit();
      expect(consumer.commits).toEqual([[{ topic: 'results.a', partition: 0, offset: '5' }]]);
    });

    it('after a rebalance, tells the work in hand to stop and forgets it: the partition is read again', async () => {
      const consumer = recordingConsumer();
      const committer = new OffsetCommitter(consumer, quiet, 60_000);
      committer.start();
      let seen: AbortSignal | undefined;
      const retrying = (signal: AbortSignal) => {
        seen = signal;
        return retryingUntilToldToStop(signal);
      };
      await committer.admit('results.a', 0, '7', 'x', retrying);
      await committer.admit('results.a', 0, '8', 'y', () => Promise.resolve());
      consumer.emit(consumer.events.GROUP_JOIN);
      expect(seen?.aborted).toBe(true);
      // Read again from the committed offset in the new generation.
      await committer.admit('results.a', 0, '7', 'x', () => Promise.resolve());
      await new Promise((r) => setImmediate(r));
      await committer.drain();
      expect(consumer.commits).toEqual([[{ topic: 'results.a', partition: 0, offset: '8' }]]);
    });

    it('a commit asked for as the group rebalances commits what that generation handled, even once the next has begun', async () => {
      let answerFirst!: () => void;
      const firstAnswered = new Promise<void>((r) => (answerFirst = r));
      let asked = 0;
      const consumer = recordingConsumer({ answer: () => (++asked === 1 ? firstAnswered : Promise.resolve()) });
      const committer = new OffsetCommitter(consumer, quiet, 60_000);
      committer.start();
      await committer.admit('results.a', 0, '1', 'x', () => Promise.resolve());
      await new Promise((r) => setImmediate(r));
      const first = committer.commit();
      await committer.admit('results.a', 0, '2', 'y', () => Promise.resolve());
      await new Promise((r) => setImmediate(r));
      // The group starts to rebalance while the first commit is still out, then has a new generation.
      consumer.emit(consumer.events.REBALANCING);
      consumer.emit(consumer.events.GROUP_JOIN);
      answerFirst();
      await first;
      await committer.commit();
      expect(consumer.commits).toEqual([
        [{ topic: 'results.a', partition: 0, offset: '2' }],
        [{ topic: 'results.a', partition: 0, offset: '3' }],
      ]);
    });

    it('on drain, tells work that retries to stop, and commits up to it', async () => {
      const consumer = recordingConsumer();
      const committer = new OffsetCommitter(consumer, quiet, 60_000);
      await committer.admit('results.a', 0, '3', 'x', () => Promise.resolve());
      await committer.admit('results.a', 0, '4', 'y', retryingUntilToldToStop);
      await committer.drain();
      expect(consumer.commits).toEqual([[{ topic: 'results.a', partition: 0, offset: '4' }]]);
    });
  });
});

/** Work that keeps retrying until its signal tells it to stop. */
const retryingUntilToldToStop = (signal: AbortSignal) =>
  new Promise<void>((_, fail) => signal.addEventListener('abort', () => fail(new Error('told to stop'))));
