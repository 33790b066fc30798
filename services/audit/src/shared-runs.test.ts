import { describe, expect, it } from 'vitest';

import { sharedRuns } from './shared-runs.js';

describe('shared runs of a whole-ledger read', () => {
  it('give callers who ask during a run the one run after it, and a failed run fails only its own callers', async () => {
    let started = 0;
    const finish: Array<(value: number) => void> = [];
    const fail: Array<(err: Error) => void> = [];
    const run = sharedRuns(
      () =>
        new Promise<number>((resolve, reject) => {
          started += 1;
          finish.push(resolve);
          fail.push(reject);
        }),
    );
    const settle = () => new Promise((resolve) => setImmediate(resolve));

    const first = run();
    await settle();
    expect(started).toBe(1);
    // Asked while the first runs: neither may have the first's answer, read before they asked.
    const [second, third] = [run(), run()];
    await settle();
    expect(started).toBe(1);
    fail[0]!(new Error('the ledger could not be read'));
    await expect(first).rejects.toThrow(/could not be read/);
    await settle();
    expect(started).toBe(2);
    finish[1]!(2);
    expect(await Promise.all([second, third])).toEqual([2, 2]);
    // Nothing running: the next caller starts a run of its own.
    const fourth = run();
    await settle();
    finish[2]!(3);
    expect(await fourth).toBe(3);
    expect(started).toBe(3);
  });
});
