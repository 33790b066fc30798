import type { Consumer, TopicPartitionOffsetAndMetadata } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import { OffsetCommitter } from './offset-committer.js';

const quiet = pino({ level: 'silent' });

/** The parts of a kafkajs consumer the committer uses, recording what it was asked. */
function recordingConsumer(options: { refuse?: () => boolean; pause?: (topics: string[]) => void } = {}) {
  const commits: TopicPartitionOffsetAndMetadata[][] = [];
  return {
    commits,
    commitOffsets: (offsets: TopicPartitionOffsetAndMetadata[]) => {
      commits.push(offsets);
      return options.refuse?.() ? Promise.reject(new Error('The coordinator is loading')) : Promise.resolve();
    },
    pause: (topics: Array<{ topic: string }>) => options.pause?.(topics.map((t) => t.topic)),
    on: () => () => undefined,
    events: { REBALANCING: 'consumer.rebalancing' } as Consumer['events'],
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
});
