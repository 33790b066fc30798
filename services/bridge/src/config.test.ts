import { describe, expect, it } from 'vitest';

import { BridgeEnv } from './config.js';

describe('the bridge configuration', () => {
  it('hands over results from 8 partitions at once by default, and as many as asked', () => {
    expect(BridgeEnv.parse({}).GOVMESH_BRIDGE_CONCURRENCY).toBe(64);
    expect(BridgeEnv.parse({ GOVMESH_BRIDGE_CONCURRENCY: '32' }).GOVMESH_BRIDGE_CONCURRENCY).toBe(32);
  });

  it('names the variable when the concurrency or the topic pattern is unusable', () => {
    const result = BridgeEnv.safeParse({ GOVMESH_BRIDGE_CONCURRENCY: '0', GOVMESH_BRIDGE_TOPIC_PATTERN: '(' });
    expect(result.error?.issues.map((i) => [i.path[0], i.message])).toEqual([
      ['GOVMESH_BRIDGE_CONCURRENCY', expect.stringMatching(/>=\s*1/)],
      ['GOVMESH_BRIDGE_TOPIC_PATTERN', 'must be a regular expression'],
    ]);
  });
});
