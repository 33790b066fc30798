import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { TopicsNotReady, waitForLeaders } from './topics.js';

type Metadata = Awaited<ReturnType<Admin['fetchTopicMetadata']>>;
const settling = (type: string) => Object.assign(new Error(type), { type });
const withLeader = (name: string, leader: number): Metadata => ({
  topics: [
    {
      name,
      partitions: [{ partitionId: 0, leader, replicas: [1], isr: [1], offlineReplicas: [], partitionErrorCode: 0 }],
    },
  ],
});

/** An admin whose metadata answers are scripted, one per call, the last repeated. */
function scriptedAdmin(answers: Array<Metadata | Error>): { admin: Admin; calls: () => number } {
  let calls = 0;
  const admin = {
    fetchTopicMetadata: () => {
      const answer = answers[Math.min(calls, answers.length - 1)]!;
      calls += 1;
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
  } as unknown as Admin;
  return { admin, calls: () => calls };
}

describe('waiting for new topics to get a leader', () => {
  it('keeps asking while a restarted broker says it does not host the topic yet', async () => {
    // What a broker restarted over ~8,000 partitions answered for about 4 s after creating a topic.
    const { admin, calls } = scriptedAdmin([
      settling('UNKNOWN_TOPIC_OR_PARTITION'),
      settling('LEADER_NOT_AVAILABLE'),
      withLeader('t', -1),
      withLeader('t', 1),
    ]);
    await expect(waitForLeaders(admin, ['t'])).resolves.toBeUndefined();
    expect(calls()).toBe(4);
  });

  it('passes on any other error at once', async () => {
    const { admin, calls } = scriptedAdmin([settling('TOPIC_AUTHORIZATION_FAILED')]);
    await expect(waitForLeaders(admin, ['t'])).rejects.toThrow('TOPIC_AUTHORIZATION_FAILED');
    expect(calls()).toBe(1);
  });

  it('gives up after the wait with an error naming the topics and the last answer', async () => {
    const { admin } = scriptedAdmin([settling('UNKNOWN_TOPIC_OR_PARTITION')]);
    const error = await waitForLeaders(admin, ['govmesh.tasks.p1', 'govmesh.results.p1'], 120).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TopicsNotReady);
    expect((error as TopicsNotReady).topics).toEqual(['govmesh.tasks.p1', 'govmesh.results.p1']);
    expect((error as Error).message).toMatch(
      /govmesh\.tasks\.p1, govmesh\.results\.p1 .* no leader within \d+ ms \(last answer: UNKNOWN_TOPIC_OR_PARTITION\)/,
    );
  });
});
