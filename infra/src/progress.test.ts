import { describe, expect, it } from 'vitest';

import { withHeartbeat, type ProgressEvent } from './progress.js';

describe('withHeartbeat', () => {
  it('reports a long step when it starts, while it runs and when it ends', async () => {
    const events: ProgressEvent[] = [];
    const result = await withHeartbeat(
      (e) => events.push(e),
      'temporal',
      'building',
      () => new Promise((r) => setTimeout(() => r(42), 120)),
      25,
    );
    expect(result).toBe(42);
    expect(events[0]?.message).toBe('building…');
    expect(events.filter((e) => e.message === 'building: still working').length).toBeGreaterThanOrEqual(2);
    expect(events.at(-1)).toMatchObject({ engine: 'temporal', message: 'building: done' });
    expect(events.at(-1)?.elapsedMs).toBeGreaterThanOrEqual(100);
  });

  it('stops reporting once the step has failed', async () => {
    const events: ProgressEvent[] = [];
    await expect(
      withHeartbeat(
        (e) => events.push(e),
        'kafka',
        'fetching',
        () => Promise.reject(new Error('offline')),
        10,
      ),
    ).rejects.toThrow('offline');
    const count = events.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(events.length).toBe(count);
  });
});
